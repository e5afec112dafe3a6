import { createHmac } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startInProcess,
  writeServiceConfig,
  type InProcessService,
  type ServiceConfigFile,
} from '../../support/pushgate-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const HMAC_SECRET = 'ghcr-hmac-secret-for-tests';
const PATH_SECRET = 'path-secret-0123456789';

function distributionEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    events: [
      {
        id: 'evt-1',
        timestamp: '2026-11-27T10:00:00Z',
        action: 'push',
        target: {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: DIGEST,
          repository: 'prod/app',
          tag: '1.0',
          size: 500,
        },
        request: { host: '127.0.0.1:5000', method: 'PUT' },
        ...overrides,
      },
    ],
  };
}

/** Every bad request kind gets its status and a JSON error, and the process keeps serving. */
describe('webhook and API error answers', () => {
  let redis: RedisServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let cfg: ServiceConfigFile;
  let service: InProcessService;
  const V1 = 'application/vnd.docker.distribution.events.v1+json';

  beforeAll(async () => {
    redis = await startRedis();
    dir = await tempDir('pushgate-bad-');
    cfg = await writeServiceConfig({
      dir: dir.path,
      redisUrl: redis.url,
      registryUrl: 'http://127.0.0.1:5000',
      extra: {
        webhooks: [
          {
            name: 'distribution',
            adapter: 'distribution',
            registry: 'local',
            auth: { type: 'bearer', token: 'dist-token' },
          },
          {
            name: 'ghcr',
            adapter: 'ghcr',
            registry: 'local',
            auth: {
              type: 'hmac-sha256',
              header: 'X-Hub-Signature-256',
              prefix: 'sha256=',
              secret: HMAC_SECRET,
            },
          },
          { name: 'generic', adapter: 'generic', auth: { type: 'path', secret: PATH_SECRET } },
        ],
        server: { host: '127.0.0.1', port: 0, apiTokens: ['api-token-1'], maxBodyBytes: 64 * 1024 },
      },
    });
    service = await startInProcess('serve', cfg.path);
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await redis?.stop();
    await dir?.remove();
  });

  const hook = () => request(service.url).post('/hooks/distribution');

  it('accepts a valid event with 202', async () => {
    const response = await hook()
      .set('authorization', 'Bearer dist-token')
      .set('content-type', V1)
      .send(JSON.stringify(distributionEvent()));
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: 1 });
  });

  it('answers a hook the same on the fast path and through the Express route (unusual spellings)', async () => {
    // `/hooks/<name>` and its trailing-slash and query forms are served ahead of Express; another
    // letter case is left to the Express router, which matches it case-insensitively.
    for (const path of ['/hooks/distribution', '/hooks/distribution/?x=1', '/HOOKS/distribution']) {
      const response = await request(service.url)
        .post(path)
        .set('authorization', 'Bearer dist-token')
        .set('content-type', V1)
        .set('x-request-id', 'req-fast-1')
        .send(JSON.stringify(distributionEvent({ id: `evt-${path}` })));
      expect(response.status, path).toBe(202);
      expect(response.headers['content-type'], path).toBe('application/json; charset=utf-8');
      expect(response.headers['x-request-id'], path).toBe('req-fast-1');
      expect(Object.keys(response.body), path).toEqual([
        'accepted',
        'ignored',
        'ownWrites',
        'invalid',
        'jobs',
      ]);
      expect(response.body.jobs[0], path).toMatch(/^inspect-[0-9a-f]{40}$/);
    }
  });

  it('401 for a missing or wrong token, before looking at the body', async () => {
    for (const auth of [undefined, 'Bearer wrong', 'Bearer dist-token-and-more', 'Basic ZGlzdC10b2tlbg==']) {
      const req = hook().set('content-type', V1);
      if (auth) req.set('authorization', auth);
      const response = await req.send('this is not even JSON');
      expect(response.status, String(auth)).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(response.body)).not.toContain('dist-token');
    }
  });

  it('401 for a forged HMAC; 202 for the right one', async () => {
    const body = JSON.stringify({ action: 'published', package: {} });
    const forged = createHmac('sha256', 'not-the-secret').update(body).digest('hex');
    const forgedResponse = await request(service.url)
      .post('/hooks/ghcr')
      .set('content-type', 'application/json')
      .set('x-github-event', 'package')
      .set('x-hub-signature-256', `sha256=${forged}`)
      .send(body);
    expect(forgedResponse.status).toBe(401);
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const good = createHmac('sha256', HMAC_SECRET).update(ping).digest('hex');
    const goodResponse = await request(service.url)
      .post('/hooks/ghcr')
      .set('content-type', 'application/json')
      .set('x-github-event', 'ping')
      .set('x-hub-signature-256', `sha256=${good}`)
      .send(ping);
    expect(goodResponse.status).toBe(202);
    expect(goodResponse.body).toMatchObject({ accepted: 0 });
  });

  it('400 for malformed bodies', async () => {
    for (const body of [
      '{',
      '[]',
      '{"events": "nope"}',
      '{"events":[{"action":"push","target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","repository":"../../etc","tag":"x"}}]}',
    ]) {
      const response = await hook()
        .set('authorization', 'Bearer dist-token')
        .set('content-type', V1)
        .send(body);
      expect(response.status, body).toBe(400);
      expect(response.body.error.code).toBe('MALFORMED');
    }
  });

  it('413 for an oversized body', async () => {
    const response = await hook()
      .set('authorization', 'Bearer dist-token')
      .set('content-type', V1)
      .send('x'.repeat(65 * 1024));
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('415 for a wrong or missing content type', async () => {
    const wrong = await hook()
      .set('authorization', 'Bearer dist-token')
      .set('content-type', 'text/plain')
      .send(JSON.stringify(distributionEvent()));
    expect(wrong.status).toBe(415);
    expect(wrong.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('422 when the event names a registry that is not configured (hosts never come from payloads)', async () => {
    const response = await request(service.url)
      .post(`/hooks/generic/${PATH_SECRET}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ registry: '169.254.169.254', repository: 'prod/app', tag: '1.0' }));
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('REGISTRY_NOT_CONFIGURED');
    const wrongSecret = await request(service.url)
      .post('/hooks/generic/not-the-secret')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ registry: '127.0.0.1:5000', repository: 'prod/app', tag: '1.0' }));
    expect(wrongSecret.status).toBe(401);
    const configured = await request(service.url)
      .post(`/hooks/generic/${PATH_SECRET}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ registry: '127.0.0.1:5000', repository: 'prod/app', tag: '1.0' }));
    expect(configured.status).toBe(202);
  });

  it('400 (not 500) for a path that is not valid percent-encoding, without echoing it', async () => {
    const response = await request(service.url)
      .post('/hooks/generic/%E0%A4%A')
      .set('content-type', 'application/json')
      .send('{}');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('MALFORMED');
    expect(JSON.stringify(response.body)).not.toContain('%E0');
  });

  it('answers 400 for a scan job id that is not one of ours (BullMQ keeps its own keys beside jobs)', async () => {
    const response = await request(service.url)
      .get('/api/v1/scans/stalled-check')
      .set('authorization', 'Bearer api-token-1');
    expect(response.status).toBe(400);
  });

  it('404 for an unknown endpoint and route, ignored events get 202', async () => {
    expect((await request(service.url).post('/hooks/nope').send('{}')).status).toBe(404);
    expect((await request(service.url).get('/nowhere')).body.error.code).toBe('NOT_FOUND');
    const pull = await hook()
      .set('authorization', 'Bearer dist-token')
      .set('content-type', V1)
      .send(JSON.stringify(distributionEvent({ action: 'pull' })));
    expect(pull.status).toBe(202);
    expect(pull.body).toMatchObject({ accepted: 0, ignored: 1 });
  });

  it('guards the API with the token, serves the OpenAPI document and the health checks', async () => {
    expect((await request(service.url).get('/api/v1/policies')).status).toBe(401);
    const policies = await request(service.url)
      .get('/api/v1/policies')
      .set('authorization', 'Bearer api-token-1');
    expect(policies.status).toBe(200);
    expect(policies.body.policies.length).toBeGreaterThan(5);
    // A policy enforced in prod and audited elsewhere says `audit` for images outside its scoped modes.
    const noCompilers = (
      policies.body.policies as Array<{ name: string; mode: string; modes?: unknown[] }>
    ).find((p) => p.name === 'no-build-toolchain');
    expect(noCompilers?.modes?.length).toBeGreaterThan(1);
    expect(noCompilers?.mode).toBe('audit');
    expect(
      (
        await request(service.url)
          .get('/api/v1/images/not-a-digest')
          .set('authorization', 'Bearer api-token-1')
      ).status,
    ).toBe(400);
    expect(
      (await request(service.url).get(`/api/v1/images/${DIGEST}`).set('authorization', 'Bearer api-token-1'))
        .status,
    ).toBe(404);
    const scan = await request(service.url)
      .post('/api/v1/scans')
      .set('authorization', 'Bearer api-token-1')
      .send({ reference: 'evil.example.com/prod/app:1' });
    expect(scan.status).toBe(422);
    const openapi = await request(service.url).get('/api/v1/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect((await request(service.url).get('/admin/queues')).status).toBe(401);
    const board = await request(service.url).get('/admin/queues').auth('admin', 'api-token-1');
    expect(board.status).toBe(200);
    expect((await request(service.url).get('/healthz')).body.status).toBe('ok');
    const ready = await request(service.url).get('/readyz');
    expect(ready.status).toBe(200);
  });

  it('readyz says 503 while Redis is down, and the process survives it', async () => {
    await redis.restart(async () => {
      const down = await request(service.url).get('/readyz');
      expect(down.status).toBe(503);
      expect(down.body.checks.redis.ok).toBe(false);
      expect((await request(service.url).get('/healthz')).status).toBe(200);
      const refused = await hook()
        .set('authorization', 'Bearer dist-token')
        .set('content-type', V1)
        .send(JSON.stringify(distributionEvent()));
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('UNAVAILABLE');
      const metrics = await request(service.url).get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/pushgate_redis_up 0/);
    });
    // The connections come back by themselves.
    await waitFor(
      'readyz to recover',
      async () => (await request(service.url).get('/readyz')).status === 200,
    );
  });
});
