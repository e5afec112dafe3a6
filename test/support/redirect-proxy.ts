import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { freePort } from './ports.js';

/** What the blob origin does to the bytes it serves: hostile CDNs for integrity tests. */
export type BlobMode = 'intact' | 'truncate' | 'corrupt';

export interface RedirectProxyOptions {
  /** The registry behind the proxy, `http://127.0.0.1:PORT`. */
  upstream: string;
  /** Authorization the blob origin uses to read blobs from the registry (test set-up credentials). */
  upstreamAuthorization?: (repository: string) => string | undefined;
  blobMode?: BlobMode;
  /** Status used for the redirect. Default 307 (what distribution's storage middleware sends). */
  redirectStatus?: 301 | 302 | 303 | 307 | 308;
}

export interface BlobRequestRecord {
  path: string;
  /** The Authorization header the blob origin received, if any: a client must never send one. */
  authorization?: string;
}

export interface RedirectProxy {
  /** The registry as clients see it: `http://127.0.0.1:PORT`. */
  url: string;
  host: string;
  /** The other origin that serves blob bytes: `http://127.0.0.1:PORT2`. */
  blobOrigin: { url: string; host: string };
  blobRequests: BlobRequestRecord[];
  setBlobMode(mode: BlobMode): void;
  /** Redirect blob GETs to this base URL instead of the blob origin (e.g. a host not allowed). */
  setRedirectTarget(base: string | undefined): void;
  stop(): Promise<void>;
}

const BLOB_PATH = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/;

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * A proxy in front of a registry that answers blob GETs with a redirect to another origin (another
 * port), as registries with a CDN or object-store backend do. Everything else — including auth
 * challenges, which are checked before redirecting, as a real registry does — is forwarded as is.
 * The blob origin records whether an Authorization header reached it.
 */
export async function startRedirectProxy(options: RedirectProxyOptions): Promise<RedirectProxy> {
  const upstream = new URL(options.upstream);
  let mode: BlobMode = options.blobMode ?? 'intact';
  let redirectBase: string | undefined;
  const blobRequests: BlobRequestRecord[] = [];
  const proxyPort = await freePort();
  const blobPort = await freePort();
  const blobOriginUrl = `http://127.0.0.1:${blobPort}`;

  const forward = (
    req: IncomingMessage,
    method: string,
    path: string,
    headers: IncomingMessage['headers'],
  ): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers: { ...headers, host: upstream.host },
        },
        resolve,
      );
      out.on('error', reject);
      if (method === 'GET' || method === 'HEAD') out.end();
      else req.pipe(out);
    });

  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = req.url ?? '/';
      const blob = req.method === 'GET' ? BLOB_PATH.exec(new URL(path, 'http://x').pathname) : null;
      if (blob !== null) {
        // Check access first: the registry answers 401/404 before it would redirect. The
        // registry's own answer is passed on unless it is the blob itself.
        const check = await forward(req, 'GET', path, req.headers);
        if (check.statusCode !== 200) {
          res.writeHead(check.statusCode ?? 502, check.headers);
          check.pipe(res);
          return;
        }
        check.destroy();
        const base = redirectBase ?? blobOriginUrl;
        const location = `${base}/blobs/${blob[2]}?repository=${encodeURIComponent(blob[1])}&sig=test`;
        res.writeHead(options.redirectStatus ?? 307, { location, 'content-length': '0' });
        res.end();
        return;
      }
      const answer = await forward(req, req.method ?? 'GET', path, req.headers);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
  });

  const blobServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      blobRequests.push({ path: url.pathname, authorization: req.headers.authorization });
      const match = /^\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
      const repository = url.searchParams.get('repository');
      if (match === null || repository === null) {
        res.writeHead(404).end();
        return;
      }
      const authorization = options.upstreamAuthorization?.(repository);
      const upstreamRes = await fetch(`${options.upstream}/v2/${repository}/blobs/${match[1]}`, {
        headers: authorization !== undefined ? { authorization } : {},
      });
      const data = Buffer.from(await upstreamRes.arrayBuffer());
      if (upstreamRes.status !== 200) {
        res.writeHead(upstreamRes.status).end(data);
        return;
      }
      let body = data;
      if (mode === 'truncate') body = data.subarray(0, Math.floor(data.length / 2));
      if (mode === 'corrupt') {
        body = Buffer.from(data);
        if (body.length > 0) body[body.length - 1] ^= 0xff;
      }
      // No Content-Length for a truncated body: the stream simply ends early, as a cut CDN
      // response without length framing would, so the client's own size check must catch it.
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        ...(mode === 'truncate' ? {} : { 'content-length': String(body.length) }),
      });
      res.end(body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
  });

  await listen(proxy, proxyPort);
  await listen(blobServer, blobPort);
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    host: `127.0.0.1:${proxyPort}`,
    blobOrigin: { url: blobOriginUrl, host: `127.0.0.1:${blobPort}` },
    blobRequests,
    setBlobMode(next) {
      mode = next;
    },
    setRedirectTarget(base) {
      redirectBase = base;
    },
    async stop() {
      await close(proxy);
      await close(blobServer);
    },
  };
}
