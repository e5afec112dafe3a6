import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';

import { freePort } from '../../support/ports.js';

export interface DribbleProxy {
  /** The registry as pushgate sees it: `127.0.0.1:PORT`. */
  host: string;
  /** Blob bytes sent so far, and whether the dribble has started. */
  sent(): number;
  stop(): Promise<void>;
}

/**
 * A transparent proxy in front of a test registry that answers the blob `digest` honestly (status,
 * headers, the first `headBytes` at full speed) and then sends one byte every `intervalMs`: a
 * connection that is never idle long enough for a per-read timeout, yet never finishes.
 */
export async function startDribbleProxy(
  upstream: string,
  options: { digest: string; headBytes: number; intervalMs: number },
): Promise<DribbleProxy> {
  const target = new URL(upstream);
  const port = await freePort();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let sent = 0;
  const server: Server = createServer((req, res) => {
    const upstreamRequest = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamResponse) => {
        const headers = { ...upstreamResponse.headers };
        if (typeof headers.location === 'string') {
          headers.location = headers.location.replace(upstream, `http://127.0.0.1:${port}`);
        }
        res.writeHead(upstreamResponse.statusCode ?? 502, headers);
        const dribble =
          req.method === 'GET' &&
          (req.url ?? '').endsWith(`/blobs/${options.digest}`) &&
          res.statusCode === 200;
        if (!dribble) {
          upstreamResponse.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (c: Buffer) => chunks.push(c));
        upstreamResponse.on('end', () => {
          const body = Buffer.concat(chunks);
          res.write(body.subarray(0, options.headBytes));
          sent += Math.min(options.headBytes, body.length);
          let at = options.headBytes;
          const timer = setInterval(() => {
            if (at >= body.length || res.destroyed) {
              clearInterval(timer);
              timers.delete(timer);
              if (!res.destroyed) res.end();
              return;
            }
            res.write(body.subarray(at, at + 1));
            at += 1;
            sent += 1;
          }, options.intervalMs);
          timers.add(timer);
        });
      },
    );
    upstreamRequest.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamRequest);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    sent: () => sent,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
