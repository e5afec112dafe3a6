import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express, { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { requestLog } from '../../../src/server/request-log.js';

describe('requestLog', () => {
  it('logs the full path of a request served by a mounted router, without the query', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
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
});
