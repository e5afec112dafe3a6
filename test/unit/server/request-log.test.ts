import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express, { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { loggablePath, requestLog, setRoutineRequestLine } from '../../../src/server/request-log.js';

/** A log destination that keeps each JSON line, parsed. */
function logSink(): { lines: Array<Record<string, unknown>>; sink: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, sink };
}

describe('requestLog', () => {
  it('logs the full path of a request served by a mounted router, without the query', async () => {
    const { lines, sink } = logSink();
    const app = express();
    app.use(requestLog(createLogger({ level: 'info' }, {}, sink)));
    const api = Router();
    api.get('/images', (_req, res) => void res.json({ images: [] }));
    app.use('/api/v1', api);
    app.use('/hooks', (_req, res) => void res.status(202).end());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await (await fetch(`${base}/api/v1/images?repository=team%2Fapp`)).text();
      await (await fetch(`${base}/hooks/quay/S3CRETVALUE`, { method: 'POST' })).text();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(lines.map((line) => line.path)).toEqual(['/api/v1/images', '/hooks/quay/<redacted>']);
  });

  it('gives each request its own req.log and line, also on a plain Node server; a route can make its line routine', async () => {
    const { lines, sink } = logSink();
    const log = requestLog(createLogger({ level: 'debug' }, {}, sink));
    // Answers out of order, so two requests are open at once (the getter and listener are shared).
    const server = createServer((req, res) => {
      log(req, res, () => undefined);
      const slow = req.url === '/slow';
      setTimeout(
        () => {
          (req as unknown as { log: { info(fields: object, msg: string): void } }).log.info(
            { url: req.url },
            'handled',
          );
          if (!slow) setRoutineRequestLine(res, { level: 'debug', fields: { endpoint: 'quay' } });
          res.statusCode = 202;
          res.end();
        },
        slow ? 50 : 5,
      );
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const [slow, fast] = await Promise.all([
        fetch(`${base}/slow`, { method: 'POST', headers: { 'x-request-id': 'req-slow' } }),
        fetch(`${base}/fast`, { method: 'POST' }),
      ]);
      expect(slow.headers.get('x-request-id')).toBe('req-slow');
      const fastId = fast.headers.get('x-request-id');
      expect(fastId).toMatch(/^[0-9a-f-]{36}$/);
      const handled = lines.filter((line) => line.msg === 'handled');
      expect(handled.map((line) => [line.url, line.reqId])).toEqual([
        ['/fast', fastId],
        ['/slow', 'req-slow'],
      ]);
      const requests = lines.filter((line) => line.msg === 'request');
      expect(requests.map((line) => [line.path, line.reqId, line.level, line.endpoint])).toEqual([
        ['/fast', fastId, 20, 'quay'],
        ['/slow', 'req-slow', 30, undefined],
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('redacts the secret path segment however /hooks/ is spelt (Express routes case-insensitively)', () => {
    expect(loggablePath('/HOOKS/quay/s3cr3t-value')).toBe('/hooks/quay/<redacted>');
    expect(loggablePath('/Hooks/quay/s3cr3t-value')).not.toContain('s3cr3t');
  });
});
