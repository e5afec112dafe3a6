import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenApiValidator } from '../../support/openapi-validator.js';
import { freePort } from '../../support/ports.js';
import { startInProcess, writeServiceConfig, type InProcessService } from '../../support/pushgate-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { tempDir } from '../../support/temp-dir.js';

const DOCUMENT: unknown = JSON.parse(
  readFileSync(new URL('../../../src/server/openapi.json', import.meta.url), 'utf8'),
);
const PLAIN = 'plain-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const REGISTRY = '127.0.0.1:5999';

/** API token roles: `read` tokens read, `admin` tokens (and plain ones, as before roles) also act. */
describe('API token roles', () => {
  const contract = new OpenApiValidator(DOCUMENT);
  let redis: RedisServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let service: InProcessService;

  beforeAll(async () => {
    dir = await tempDir('pushgate-roles-');
    redis = await startRedis({ appendOnly: false });
    const port = await freePort();
    const cfg = await writeServiceConfig({
      dir: dir.path,
      redisUrl: redis.url,
      registryUrl: `http://${REGISTRY}`,
      port,
      extra: {
        server: {
          host: '127.0.0.1',
          port,
          apiTokens: [PLAIN, { token: READ, role: 'read' }, { token: ADMIN, role: 'admin' }],
        },
      },
    });
    service = await startInProcess('serve', cfg.path);
  });
  afterAll(async () => {
    await service?.stop();
    await redis?.stop();
    await dir?.remove();
  });

  async function call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const answer = { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
    expect(contract.check(method, path, answer), `${method} ${path}`).toEqual([]);
    return answer;
  }

  const scan = { reference: `${REGISTRY}/team/app:1.0` };
  const exemption = { namespace: 'team-a', forSeconds: 60, reason: 'roles test', by: 'test' };

  it('a read token reads, and gets 403 FORBIDDEN with a clear message where the API acts', async () => {
    expect((await call('GET', '/api/v1/images', READ)).status).toBe(200);
    expect((await call('GET', '/api/v1/policies', READ)).status).toBe(200);
    expect((await call('GET', '/api/v1/admission/exemptions', READ)).status).toBe(200);
    const basic = Buffer.from(`viewer:${READ}`).toString('base64');
    const board = await fetch(`${service.url}/admin/queues`, {
      headers: { authorization: `Basic ${basic}` },
    });
    await board.body?.cancel();
    expect(board.status).toBe(200);

    const refused = await call('POST', '/api/v1/scans', READ, scan);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: "POST /api/v1/scans acts, so it needs an admin token; this token's role is read",
      },
    });
    expect((await call('POST', '/api/v1/admission/exemptions', READ, exemption)).status).toBe(403);
    expect((await call('DELETE', '/api/v1/admission/exemptions/team-a?by=x', READ)).status).toBe(403);
  });

  it('admin tokens and plain tokens act', async () => {
    expect((await call('POST', '/api/v1/scans', ADMIN, scan)).status).toBe(202);
    expect((await call('POST', '/api/v1/scans', PLAIN, scan)).status).toBe(202);
    expect((await call('POST', '/api/v1/admission/exemptions', PLAIN, exemption)).status).toBe(201);
    expect((await call('DELETE', '/api/v1/admission/exemptions/team-a?by=x', ADMIN)).status).toBe(200);
    expect((await call('GET', '/api/v1/images', 'not-a-token-0123456789')).status).toBe(401);
  });
});
