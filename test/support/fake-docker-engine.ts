import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { tempDir } from './temp-dir.js';

/**
 * What the fake engine's `docker save` (`GET /images/{id}/get`) does after its headers:
 * - `stall`: nothing, ever (the connection stays open);
 * - `endless`: a tar entry declaring 1 TiB, then zeros as fast as the client reads;
 * - `slow`: the same, 64 KiB every 50 ms (above any stall threshold, never ending).
 */
export type SaveBehaviour = 'stall' | 'endless' | 'slow';

export interface FakeEngineOptions {
  /** `GET /images/{name}/json`: a real-looking inspect answer, or headers then nothing. */
  inspect?: 'ok' | 'stall';
  /** Fields merged over the inspect answer (hostile `RepoTags`, `RepoDigests`…). */
  inspectPatch?: Record<string, unknown>;
  save: SaveBehaviour;
}

export interface FakeEngine {
  socketPath: string;
  /** For the CLI: `DOCKER_HOST`. */
  dockerHost: string;
  /** Bytes of `docker save` stream written so far. */
  savedBytes(): number;
  stop(): Promise<void>;
}

export const FAKE_IMAGE_ID = `sha256:${'ab'.repeat(32)}`;

/**
 * The headers Docker Engine 20.10 sends (API 1.41), replayed: a real engine cannot be made to
 * stall or to stream forever, so this is the one stand-in for it in the tests.
 */
function engineHeaders(contentType: string): Record<string, string> {
  return {
    'api-version': '1.41',
    'content-type': contentType,
    'docker-experimental': 'false',
    ostype: 'linux',
    server: 'Docker/20.10.24+dfsg1 (linux)',
    date: new Date().toUTCString(),
  };
}

/** A ustar header for `name` declaring `size` bytes (octal fields, checksum filled in). */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512, 0);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(size.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return header;
}

export async function startFakeEngine(options: FakeEngineOptions): Promise<FakeEngine> {
  const dir = await tempDir('pgfe-');
  const socketPath = join(dir.path, 'docker.sock');
  let saved = 0;
  const open = new Set<ServerResponse>();

  const stream = async (res: ServerResponse, pauseMs: number): Promise<void> => {
    const zeros = Buffer.alloc(64 * 1024, 0);
    const first = tarHeader('blobs/sha256/endless', 1024 ** 4);
    res.write(first);
    saved += first.length;
    while (!res.destroyed) {
      saved += zeros.length;
      if (!res.write(zeros)) await new Promise((resolve) => res.once('drain', resolve));
      if (pauseMs > 0) await sleep(pauseMs);
    }
  };

  const server = createServer((req, res) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    const path = (req.url ?? '').replace(/^\/v[\d.]+/, '');
    if (path === '/_ping') {
      res.writeHead(200, engineHeaders('text/plain; charset=utf-8'));
      res.end('OK');
      return;
    }
    const inspect = /^\/images\/(.+)\/json$/.exec(path);
    if (inspect) {
      res.writeHead(200, engineHeaders('application/json'));
      if (options.inspect === 'stall') {
        res.flushHeaders();
        return;
      }
      res.end(
        JSON.stringify({
          Id: FAKE_IMAGE_ID,
          RepoTags: [decodeURIComponent(inspect[1])],
          RepoDigests: [],
          Os: 'linux',
          Architecture: 'amd64',
          Size: 1024 ** 4,
          ...options.inspectPatch,
        }),
      );
      return;
    }
    if (/^\/images\/[^/]+\/get$/.test(path)) {
      res.writeHead(200, engineHeaders('application/x-tar'));
      res.flushHeaders();
      if (options.save === 'stall') return;
      void stream(res, options.save === 'slow' ? 50 : 0).catch(() => res.destroy());
      return;
    }
    res.writeHead(404, engineHeaders('application/json'));
    res.end(JSON.stringify({ message: `page not found: ${path}` }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    savedBytes: () => saved,
    async stop() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dir.remove();
    },
  };
}
