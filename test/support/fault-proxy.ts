import { createServer, request as httpRequest, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

export interface FaultProxy {
  /** The registry as pushgate sees it: `http://127.0.0.1:PORT`. */
  url: string;
  host: string;
  /** Every request answers 503 (with Retry-After: 1) until `ms` from now. */
  failFor(ms: number): void;
  /** Blob bodies are sent in 64 KiB chunks with this pause between chunks (0 = full speed). */
  throttleBlobs(pauseMs: number): void;
  /**
   * Blob bodies: the first `afterBytes` at full speed, then one byte every `intervalMs` — a
   * registry that never goes quiet long enough for an idle timeout (`null` = off).
   */
  dribbleBlobs(options: { afterBytes: number; intervalMs: number } | null): void;
  /** Blob bodies: the first `afterBytes`, then the connection is dropped (`null` = off). */
  dropBlobs(afterBytes: number | null): void;
  /** Requests answered 503 so far, and requests forwarded. */
  counts(): { failed: number; forwarded: number };
  /** Blob bytes sent to clients so far (to act mid-download). */
  blobBytes(): number;
  stop(): Promise<void>;
}

/**
 * A transparent HTTP proxy in front of a test registry that can play an outage (503 for a while)
 * or a slow link (throttled blob downloads), for retry and crash-recovery tests.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const port = await freePort();
  let failUntil = 0;
  let pauseMs = 0;
  let dribble: { afterBytes: number; intervalMs: number } | null = null;
  let dropAfter: number | null = null;
  let failed = 0;
  let forwarded = 0;
  let blobBytes = 0;
  const server: Server = createServer((req, res) => {
    if (Date.now() < failUntil) {
      failed++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}');
      return;
    }
    forwarded++;
    const headers = { ...req.headers, host: target.host };
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      async (upstreamResponse) => {
        const responseHeaders = { ...upstreamResponse.headers };
        // Keep clients talking to the proxy when the registry sends absolute Locations.
        if (typeof responseHeaders.location === 'string') {
          responseHeaders.location = responseHeaders.location.replace(upstream, `http://127.0.0.1:${port}`);
        }
        res.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
        const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
        const cut = dropAfter;
        if (isBlob && cut !== null) {
          let sent = 0;
          for await (const chunk of upstreamResponse) {
            const buffer = chunk as Buffer;
            const piece = buffer.subarray(0, Math.max(0, cut - sent));
            if (piece.length > 0) res.write(piece);
            sent += piece.length;
            blobBytes += piece.length;
            if (sent >= cut) break;
          }
          // Mid-body: the client sees its socket close before content-length bytes arrived.
          res.socket?.destroy();
          upstreamResponse.destroy();
          return;
        }
        const slow = dribble;
        if (isBlob && slow !== null) {
          let sent = 0;
          try {
            for await (const chunk of upstreamResponse) {
              const buffer = chunk as Buffer;
              for (let offset = 0; offset < buffer.length && !res.destroyed;) {
                const size =
                  sent < slow.afterBytes ? Math.min(buffer.length - offset, slow.afterBytes - sent) : 1;
                res.write(buffer.subarray(offset, offset + size));
                offset += size;
                sent += size;
                blobBytes += size;
                if (sent > slow.afterBytes) await sleep(slow.intervalMs);
              }
              if (res.destroyed) break;
            }
            res.end();
          } catch {
            res.destroy();
          }
          upstreamResponse.destroy();
          return;
        }
        if (!isBlob || pauseMs === 0) {
          upstreamResponse.pipe(res);
          return;
        }
        try {
          for await (const chunk of upstreamResponse) {
            const buffer = chunk as Buffer;
            for (let offset = 0; offset < buffer.length; offset += 64 * 1024) {
              const piece = buffer.subarray(offset, offset + 64 * 1024);
              blobBytes += piece.length;
              if (!res.write(piece)) {
                await new Promise((resolve) => res.once('drain', resolve));
              }
              await sleep(pauseMs);
            }
          }
          res.end();
        } catch {
          res.destroy();
        }
      },
    );
    upstreamRequest.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    failFor(ms) {
      failUntil = Date.now() + ms;
    },
    throttleBlobs(ms) {
      pauseMs = ms;
    },
    dribbleBlobs(options) {
      dribble = options;
    },
    dropBlobs(afterBytes) {
      dropAfter = afterBytes;
    },
    counts: () => ({ failed, forwarded }),
    blobBytes: () => blobBytes,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
