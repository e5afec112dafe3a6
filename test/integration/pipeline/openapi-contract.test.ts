import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage } from '../../support/image-builder.js';
import { OpenApiValidator } from '../../support/openapi-validator.js';
import { freePort } from '../../support/ports.js';
import {
  newWebhookToken,
  startInProcess,
  waitForRecord,
  writeServiceConfig,
  type InProcessService,
} from '../../support/pushgate-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { buildMultiStageImage, buildSingleStageImage } from '../../support/seed-images.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

const DOCUMENT: unknown = JSON.parse(
  readFileSync(new URL('../../../src/server/openapi.json', import.meta.url), 'utf8'),
);
const API_TOKEN = `api-${randomBytes(12).toString('hex')}`;
const PATH_SECRET = `path-${randomBytes(8).toString('hex')}`;
const HEADER_VALUE = `header-${randomBytes(8).toString('hex')}`;
const HMAC_SECRET = `hmac-${randomBytes(8).toString('hex')}`;
const MAX_BODY = 8192;
const V1 = 'application/vnd.docker.distribution.events.v1+json';
const JSON_TYPE = 'application/json';
/** A manifest no registry holds: its inspection fails for good and leaves an `error` record. */
const GHOST_DIGEST = `sha256:${'0f'.repeat(32)}`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON. */
  body: Record<string, unknown>;
}

interface CallOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** `Authorization: Bearer <API token>`; on by default for /api/v1/*. */
  token?: boolean;
}

/**
 * Every route of the running service, called with good and bad requests; each answer must have a
 * status documented for its operation and a body valid against the OpenAPI document.
 */
describe('the OpenAPI document is the contract of every route', () => {
  const contract = new OpenApiValidator(DOCUMENT);
  let redis: RedisServer;
  let registry: TestRegistry;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let service: InProcessService;
  /** The same service with no API token configured. */
  let closed: InProcessService;
  let webhookToken: string;
  let rejected: string;
  let passed: string;

  /** Calls the service and checks the answer against the document. */
  async function call(
    base: string,
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token ?? path.startsWith('/api/v1/')) headers.authorization ??= `Bearer ${API_TOKEN}`;
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      redirect: 'manual',
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      body = JSON.parse(text) as Record<string, unknown>;
    }
    const answer = { status: response.status, headers: response.headers, text, body };
    expect(contract.check(method, path, answer), `${method} ${path}`).toEqual([]);
    return answer;
  }

  const api = (method: string, path: string, options?: CallOptions): Promise<Answer> =>
    call(service.url, method, path, options);

  function expectError(answer: Answer, status: number, code: string): void {
    expect(answer.status, answer.text).toBe(status);
    expect((answer.body.error as { code: string }).code).toBe(code);
  }

  const distributionPush = (digest: string, action = 'push'): string =>
    JSON.stringify({
      events: [
        {
          id: `evt-${randomBytes(4).toString('hex')}`,
          timestamp: new Date().toISOString(),
          action,
          target: {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            digest,
            repository: 'prod/api',
            tag: '1.0',
            size: 500,
          },
          request: { host: registry.host, method: 'PUT' },
        },
      ],
    });

  beforeAll(async () => {
    dir = await tempDir('pushgate-openapi-');
    const port = await freePort();
    webhookToken = newWebhookToken();
    [redis, registry] = await Promise.all([
      startRedis(),
      startRegistry({
        notifications: [
          {
            name: 'pushgate',
            url: `http://127.0.0.1:${port}/hooks/distribution`,
            headers: { Authorization: [`Bearer ${webhookToken}`] },
          },
        ],
      }),
    ]);
    const webhooks = [
      {
        name: 'distribution',
        adapter: 'distribution',
        registry: 'local',
        auth: { type: 'bearer', token: webhookToken },
      },
      { name: 'by-path', adapter: 'generic', auth: { type: 'path', secret: PATH_SECRET } },
      {
        name: 'by-header',
        adapter: 'generic',
        registry: 'local',
        auth: { type: 'header', header: 'X-Webhook-Token', value: HEADER_VALUE },
      },
      {
        name: 'by-hmac',
        adapter: 'generic',
        registry: 'local',
        auth: { type: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', secret: HMAC_SECRET },
      },
    ];
    const [open, disabled] = await Promise.all([
      writeServiceConfig({
        dir: dir.path,
        redisUrl: redis.url,
        registryUrl: registry.url,
        extra: {
          server: { host: '127.0.0.1', port, apiTokens: [API_TOKEN], maxBodyBytes: MAX_BODY },
          webhooks,
        },
      }),
      writeServiceConfig({
        dir: dir.path,
        redisUrl: redis.url,
        registryUrl: registry.url,
        extra: { server: { host: '127.0.0.1', port: 0, apiTokens: [] }, webhooks },
      }),
    ]);
    [service, closed] = await Promise.all([
      startInProcess('start', open.path),
      startInProcess('serve', disabled.path),
    ]);

    const [single, multi] = await Promise.all([buildSingleStageImage(), buildMultiStageImage()]);
    rejected = (await pushImage({ url: registry.url, repository: 'prod/app', tag: '1.0' }, single)).digest;
    passed = (await pushImage({ url: registry.url, repository: 'prod/api', tag: '1.0' }, multi)).digest;
    const acted = (r: Record<string, unknown>): boolean => (r.actions as unknown[]).length > 0;
    await Promise.all([
      waitForRecord(service.url, API_TOKEN, rejected, acted),
      waitForRecord(service.url, API_TOKEN, passed, acted),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([service?.stop(), closed?.stop()]);
    await Promise.all([registry?.stop(), redis?.stop()]);
    await dir?.remove();
  }, 60_000);

  it('the document is well-formed: every $ref resolves, every path parameter is declared', () => {
    expect(contract.lint()).toEqual([]);
  });

  it('webhooks: 202 for each auth kind, and every refusal with its documented status and code', async () => {
    const bearer = { authorization: `Bearer ${webhookToken}`, 'content-type': V1 };
    const pushed = await api('POST', '/hooks/distribution', {
      headers: bearer,
      body: distributionPush(passed),
    });
    expect(pushed.status).toBe(202);
    expect(pushed.body).toMatchObject({ accepted: 1, ignored: 0 });
    const pulled = await api('POST', '/hooks/distribution', {
      headers: bearer,
      body: distributionPush(passed, 'pull'),
    });
    expect(pulled.body).toMatchObject({ accepted: 0, ignored: 1, jobs: [] });

    const generic = JSON.stringify({ registry: registry.host, repository: 'prod/api', tag: '1.0' });
    const byPath = await api('POST', `/hooks/by-path/${PATH_SECRET}`, {
      headers: { 'content-type': JSON_TYPE },
      body: generic,
    });
    expect(byPath.status).toBe(202);
    const byHeader = await api('POST', '/hooks/by-header', {
      headers: { 'content-type': JSON_TYPE, 'x-webhook-token': HEADER_VALUE },
      body: generic,
    });
    expect(byHeader.status).toBe(202);
    const signature = `sha256=${createHmac('sha256', HMAC_SECRET).update(generic).digest('hex')}`;
    const byHmac = await api('POST', '/hooks/by-hmac', {
      headers: { 'content-type': JSON_TYPE, 'x-hub-signature-256': signature },
      body: generic,
    });
    expect(byHmac.status).toBe(202);

    for (const [path, headers] of [
      ['/hooks/distribution', { 'content-type': V1 }],
      ['/hooks/distribution', { 'content-type': V1, authorization: 'Bearer wrong' }],
      ['/hooks/by-path/not-the-secret', { 'content-type': JSON_TYPE }],
      ['/hooks/by-path', { 'content-type': JSON_TYPE }],
      ['/hooks/by-header', { 'content-type': JSON_TYPE, 'x-webhook-token': 'wrong' }],
      ['/hooks/by-hmac', { 'content-type': JSON_TYPE, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }],
    ] as const) {
      const refused = await api('POST', path, { headers, body: generic });
      expectError(refused, 401, 'UNAUTHORIZED');
      expect(refused.text).not.toContain(PATH_SECRET);
    }
    expectError(await api('POST', '/hooks/distribution', { headers: bearer, body: '{' }), 400, 'MALFORMED');
    expectError(await api('POST', '/hooks/nowhere', { headers: bearer, body: '{}' }), 404, 'NOT_FOUND');
    expectError(await api('POST', '/hooks/%zz', { headers: bearer, body: '{}' }), 400, 'MALFORMED');
    expectError(
      await api('POST', '/hooks/nowhere/secret', { headers: bearer, body: '{}' }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await api('POST', '/hooks/distribution', { headers: bearer, body: 'x'.repeat(MAX_BODY + 1) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectError(
      await api('POST', '/hooks/distribution', {
        headers: { ...bearer, 'content-type': 'text/plain' },
        body: distributionPush(passed),
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await api('POST', '/hooks/distribution', {
        headers: { ...bearer, 'content-encoding': 'x-unknown' },
        body: distributionPush(passed),
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await api('POST', `/hooks/by-path/${PATH_SECRET}`, {
        headers: { 'content-type': JSON_TYPE },
        body: JSON.stringify({ registry: '169.254.169.254', repository: 'prod/api', tag: '1.0' }),
      }),
      422,
      'REGISTRY_NOT_CONFIGURED',
    );
  });

  it('images: by digest, filtered, paged, and the refusals', async () => {
    const reject = await api('GET', `/api/v1/images/${rejected}`);
    expect(reject.status).toBe(200);
    expect(reject.body).toMatchObject({ decision: 'reject', repository: 'prod/app' });
    const pass = await api('GET', `/api/v1/images/${passed}?registry=local&repository=prod%2Fapi`);
    expect(pass.status).toBe(200);
    expect(pass.body).toMatchObject({ decision: 'pass', tags: expect.arrayContaining(['1.0']) as unknown });
    // HTTP Basic with the token as password is the documented alternative.
    const basic = Buffer.from(`anyone:${API_TOKEN}`).toString('base64');
    expect(
      (await api('GET', `/api/v1/images/${passed}`, { headers: { authorization: `Basic ${basic}` } })).status,
    ).toBe(200);

    const first = await api('GET', '/api/v1/images?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.images).toHaveLength(1);
    expect(typeof first.body.next).toBe('string');
    const second = await api('GET', `/api/v1/images?limit=1&before=${String(first.body.next)}`);
    expect(second.status).toBe(200);
    expect(second.body.images).toHaveLength(1);
    const filtered = await api('GET', '/api/v1/images?registry=local&repository=prod%2Fapp');
    expect((filtered.body.images as Array<{ digest: string }>).map((i) => i.digest)).toEqual([rejected]);

    expectError(await api('GET', '/api/v1/images/not-a-digest'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/images/%zz'), 400, 'MALFORMED');
    expectError(await api('GET', `/api/v1/images/sha256:${'ab'.repeat(32)}`), 404, 'NOT_FOUND');
    expectError(await api('GET', `/api/v1/images/${passed}`, { token: false }), 401, 'UNAUTHORIZED');
    expectError(
      await api('GET', `/api/v1/images/${passed}`, { headers: { authorization: 'Bearer wrong' } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(await api('GET', '/api/v1/images?limit=0'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/images?repository=a&repository=b'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/images?before=not-a-cursor'), 400, 'CURSOR_INVALID');
    expectError(await api('GET', '/api/v1/images', { token: false }), 401, 'UNAUTHORIZED');
  });

  it('images: a digest in two repositories is 409 AMBIGUOUS_DIGEST listing both until the request names one', async () => {
    const multi = await buildMultiStageImage();
    expect((await pushImage({ url: registry.url, repository: 'prod/copy', tag: '2.0' }, multi)).digest).toBe(
      passed,
    );
    await waitForRecord(service.url, API_TOKEN, passed, () => true, 60_000, 'prod/copy');

    const ambiguous = await api('GET', `/api/v1/images/${passed}`);
    expectError(ambiguous, 409, 'AMBIGUOUS_DIGEST');
    const error = ambiguous.body.error as { message: string; images: Array<Record<string, unknown>> };
    expect(error.images.map((i) => i.repository).sort()).toEqual(['prod/api', 'prod/copy']);
    expect(error.images.every((i) => i.registry === 'local' && i.decision === 'pass')).toBe(true);
    expect(error.message).toContain('?repository=');
    expect(error.message).toContain('local/prod/api');
    // Both are in the one registry: ?registry= alone still matches both.
    expectError(await api('GET', `/api/v1/images/${passed}?registry=local`), 409, 'AMBIGUOUS_DIGEST');

    for (const repository of ['prod/api', 'prod/copy']) {
      const one = await api('GET', `/api/v1/images/${passed}?repository=${encodeURIComponent(repository)}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ repository, digest: passed });
    }
    const copy = await api('GET', `/api/v1/images/${passed}?registry=local&repository=prod%2Fcopy`);
    expect(copy.body).toMatchObject({ repository: 'prod/copy', tags: ['2.0'] });
    // A digest in one repository answers as it always did.
    expect((await api('GET', `/api/v1/images/${rejected}`)).body).toMatchObject({ repository: 'prod/app' });
  });

  it('admissions: listed (empty: no webhook admitted anything here), filtered, and the refusals', async () => {
    const all = await api('GET', '/api/v1/admissions?limit=5');
    expect(all.status).toBe(200);
    expect(all.body.admissions).toEqual([]);
    expect((await api('GET', '/api/v1/admissions?decision=reject')).status).toBe(200);
    expectError(await api('GET', '/api/v1/admissions?decision=maybe'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/admissions?limit=501'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/admissions?before=not-a-cursor'), 400, 'CURSOR_INVALID');
    expectError(await api('GET', '/api/v1/admissions', { token: false }), 401, 'UNAUTHORIZED');
  });

  it('scans: queued by the API and by a webhook, followed to the end, and the refusals', async () => {
    const queued = await api('POST', '/api/v1/scans', {
      headers: { 'content-type': JSON_TYPE },
      body: JSON.stringify({ reference: `${registry.host}/prod/api:1.0` }),
    });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ registry: 'local', repository: 'prod/api', tag: '1.0' });
    // The webhook path to a job: a digest no registry holds, so the job fails for good.
    const ghost = await api('POST', '/hooks/by-header', {
      headers: { 'content-type': JSON_TYPE, 'x-webhook-token': HEADER_VALUE },
      body: JSON.stringify({ repository: 'prod/ghost', tag: '9', digest: GHOST_DIGEST }),
    });
    expect(ghost.status).toBe(202);
    const ghostJob = (ghost.body.jobs as string[])[0];

    const finished = async (jobId: string): Promise<Answer> => {
      let last!: Answer;
      await waitFor(
        `scan job ${jobId} to finish`,
        async () => {
          last = await api('GET', `/api/v1/scans/${jobId}`);
          expect(last.status).toBe(200);
          return last.body.state === 'completed' || last.body.state === 'failed';
        },
        90_000,
      );
      return last;
    };
    const done = await finished(String(queued.body.jobId));
    expect(done.body).toMatchObject({
      state: 'completed',
      result: { outcome: 'inspected', decision: 'pass' },
    });
    expect(done.body.data).toMatchObject({ source: 'api', force: true, repository: 'prod/api' });
    const failed = await finished(ghostJob);
    expect(failed.body.state).toBe('failed');
    expect(typeof failed.body.failedReason).toBe('string');
    const record = await api('GET', `/api/v1/images/${GHOST_DIGEST}`);
    expect(record.body).toMatchObject({ decision: 'error', verdicts: [] });
    expect(record.body.error).toBeDefined();

    const post = (body: string, contentType = JSON_TYPE): Promise<Answer> =>
      api('POST', '/api/v1/scans', { headers: { 'content-type': contentType }, body });
    expectError(await post('{"reference": 42}'), 400, 'BAD_REQUEST');
    expectError(await post('{"reference": "UPPER/Case::"}'), 400, 'BAD_REQUEST');
    expectError(await post('{"reference":'), 400, 'MALFORMED');
    expectError(await post('reference=x', 'text/plain'), 400, 'BAD_REQUEST');
    expectError(
      await post(JSON.stringify({ reference: 'evil.example.com/prod/app:1' })),
      422,
      'REGISTRY_NOT_CONFIGURED',
    );
    expectError(await post(JSON.stringify({ reference: 'x'.repeat(17 * 1024) })), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await post('{}', 'application/json; charset=latin-9'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await api('POST', '/api/v1/scans', { token: false, body: '{}' }), 401, 'UNAUTHORIZED');
    expectError(await api('GET', '/api/v1/scans/not-a-job'), 400, 'BAD_REQUEST');
    expectError(await api('GET', `/api/v1/scans/inspect-${'0'.repeat(40)}`), 404, 'NOT_FOUND');
    expectError(await api('GET', `/api/v1/scans/${ghostJob}`, { token: false }), 401, 'UNAUTHORIZED');
  });

  it('admission break-glass exemptions: granted, listed, revoked, and the refusals', async () => {
    const post = (body: string, contentType = JSON_TYPE): Promise<Answer> =>
      api('POST', '/api/v1/admission/exemptions', { headers: { 'content-type': contentType }, body });
    const granted = await post(
      JSON.stringify({
        namespace: 'team-a',
        forSeconds: 3600,
        reason: 'pushgate wrongly denies',
        by: 'alice',
      }),
    );
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ namespace: 'team-a', by: 'alice' });
    const listed = await api('GET', '/api/v1/admission/exemptions');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ exemptions: [granted.body] });
    const revoked = await api('DELETE', '/api/v1/admission/exemptions/team-a?by=bob');
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual(granted.body);
    expectError(await api('DELETE', '/api/v1/admission/exemptions/team-a?by=bob'), 404, 'NOT_FOUND');

    expectError(
      await post(JSON.stringify({ namespace: 'team-a', forSeconds: 86_401, reason: 'x', by: 'a' })),
      400,
      'BAD_REQUEST',
    );
    expectError(await post('{"namespace":'), 400, 'MALFORMED');
    expectError(await post('namespace=x', 'text/plain'), 400, 'BAD_REQUEST');
    expectError(await post(JSON.stringify({ reason: 'x'.repeat(17 * 1024) })), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await post('{}', 'application/json; charset=latin-9'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await api('DELETE', '/api/v1/admission/exemptions/Team_A?by=bob'), 400, 'BAD_REQUEST');
    expectError(await api('DELETE', '/api/v1/admission/exemptions/team-a'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/admission/exemptions', { token: false }), 401, 'UNAUTHORIZED');
    expectError(await post('{}'), 400, 'BAD_REQUEST');
    expectError(
      await api('POST', '/api/v1/admission/exemptions', { token: false, body: '{}' }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await api('DELETE', '/api/v1/admission/exemptions/team-a?by=bob', { token: false }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('policies and the audit log, paged and filtered', async () => {
    const policies = await api('GET', '/api/v1/policies');
    expect(policies.status).toBe(200);
    expect((policies.body.policies as unknown[]).length).toBeGreaterThan(5);
    expectError(await api('GET', '/api/v1/policies', { token: false }), 401, 'UNAUTHORIZED');

    const all = await api('GET', '/api/v1/audit?limit=1000');
    const entries = all.body.entries as Array<{ type: string; decision: string; action?: string }>;
    expect(entries.some((e) => e.type === 'verdict' && e.decision === 'reject')).toBe(true);
    expect(entries.some((e) => e.type === 'verdict' && e.decision === 'error')).toBe(true);
    expect(entries.some((e) => e.type === 'action' && e.action === 'delete')).toBe(true);
    expect(entries.filter((e) => e.type === 'break-glass')).toHaveLength(2);
    const first = await api('GET', '/api/v1/audit?limit=1');
    expect(first.body.entries).toHaveLength(1);
    const second = await api('GET', `/api/v1/audit?limit=1&before=${String(first.body.next)}`);
    expect(second.status).toBe(200);
    expect(second.body.entries).toHaveLength(1);
    const filtered = await api('GET', `/api/v1/audit?repository=prod%2Fapp&digest=${rejected}`);
    expect((filtered.body.entries as unknown[]).length).toBeGreaterThan(0);

    expectError(await api('GET', '/api/v1/audit?before=yesterday'), 400, 'CURSOR_INVALID');
    expectError(await api('GET', '/api/v1/audit?limit=1001'), 400, 'BAD_REQUEST');
    expectError(await api('GET', '/api/v1/audit', { token: false }), 401, 'UNAUTHORIZED');
  });

  it('the document itself, health, readiness, metrics and the queue dashboard', async () => {
    const served = await api('GET', '/api/v1/openapi.json', { token: false });
    expect(served.body).toEqual(DOCUMENT);
    expect((await api('GET', '/healthz')).status).toBe(200);
    expect((await api('GET', '/readyz')).status).toBe(200);
    const metrics = await api('GET', '/metrics');
    expect(metrics.text).toMatch(/pushgate_webhook_events_total/);
    expectError(await api('GET', '/admin/queues'), 401, 'UNAUTHORIZED');
    const basic = Buffer.from(`admin:${API_TOKEN}`).toString('base64');
    expect((await api('GET', '/admin/queues', { headers: { authorization: `Basic ${basic}` } })).status).toBe(
      200,
    );
  });

  it('503 API_DISABLED on every API route and the dashboard when no API token is configured', async () => {
    const routes: Array<[string, string]> = [
      ['GET', `/api/v1/images/${passed}`],
      ['GET', '/api/v1/images'],
      ['GET', '/api/v1/admissions'],
      ['POST', '/api/v1/scans'],
      ['GET', `/api/v1/scans/inspect-${'0'.repeat(40)}`],
      ['GET', '/api/v1/policies'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/admission/exemptions'],
      ['POST', '/api/v1/admission/exemptions'],
      ['DELETE', '/api/v1/admission/exemptions/team-a'],
      ['GET', '/admin/queues'],
    ];
    for (const [method, path] of routes) {
      expectError(await call(closed.url, method, path, { token: true }), 503, 'API_DISABLED');
    }
    expect((await call(closed.url, 'GET', '/api/v1/openapi.json')).status).toBe(200);
  });

  it('while Redis is down: hooks UNAVAILABLE, store routes STORE_UNAVAILABLE, readyz 503', async () => {
    await redis.restart(async () => {
      const refused = await api('POST', '/hooks/distribution', {
        headers: { authorization: `Bearer ${webhookToken}`, 'content-type': V1 },
        body: distributionPush(passed),
      });
      expectError(refused, 503, 'UNAVAILABLE');
      const scan = await api('POST', '/api/v1/scans', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reference: `${registry.host}/prod/app:1` }),
      });
      expectError(scan, 503, 'UNAVAILABLE');
      // A store call waits through the client's reconnect attempts (seconds) before it fails: run them together.
      const [image, images, admissions, audit, exemptions, ready] = await Promise.all([
        api('GET', `/api/v1/images/${passed}`),
        api('GET', '/api/v1/images'),
        api('GET', '/api/v1/admissions'),
        api('GET', '/api/v1/audit'),
        api('GET', '/api/v1/admission/exemptions'),
        api('GET', '/readyz'),
      ]);
      for (const answer of [image, images, admissions, audit, exemptions])
        expectError(answer, 503, 'STORE_UNAVAILABLE');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('not ready');
      expect((await api('GET', '/healthz')).status).toBe(200);
    });
    await waitFor('readyz to recover', async () => (await api('GET', '/readyz')).status === 200);
  });

  it('called every documented operation', () => {
    const missing = contract.operations().filter((operation) => !contract.seen().has(operation));
    expect(missing).toEqual([]);
  });
});
