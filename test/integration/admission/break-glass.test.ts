import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createLogger } from '../../../src/logger.js';
import { startServer, type RunningServer } from '../../../src/server/start-server.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { DEFAULT_POLICIES } from '../../support/pushgate-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { createTestCa, issueServerPair, type TestCa } from '../../support/test-ca.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import { httpsRequest, podReview } from './admission-client.js';

const API_TOKEN = 'api-token-break-glass-0123456789';
/** The decider's cache of exemptions lives 5 s: a change is seen within that (plus a margin). */
const SEEN_WITHIN_MS = 8000;

interface ReviewResponse {
  allowed: boolean;
  status?: { message: string };
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/**
 * Break-glass through the real `serve` wiring: exemptions granted and revoked over the API land in
 * Redis, the decider the server builds honours them (allowed, with a warning and an audit
 * annotation), stops honouring them when they end or are revoked, and fails closed when Redis is
 * down. The pods' image comes from a registry pushgate is not configured for, so without an
 * exemption every review is denied (`unconfiguredRegistries: deny`) without any registry call.
 */
describe('break-glass exemptions in the admission decider', () => {
  failOnUnhandledErrors();
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ca: TestCa;
  let redis: RedisServer;
  let running: RunningServer;

  async function review(namespace: string): Promise<ReviewResponse> {
    const answer = await httpsRequest(running.admission?.url ?? '', {
      ca: ca.cert,
      path: '/admission/validate',
      body: JSON.stringify(podReview({ namespace })),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status).toBe(200);
    return (answer.json as { response: ReviewResponse }).response;
  }

  async function api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${running.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const grant = (namespace: string, forSeconds: number, reason = 'pushgate wrongly denies (INC-7)') =>
    api('POST', '/admission/exemptions', { namespace, forSeconds, reason, by: 'alice' });

  beforeAll(async () => {
    dir = await tempDir('pushgate-break-glass-');
    ca = await createTestCa(join(dir.path, 'ca'));
    const pair = await issueServerPair(ca, join(dir.path, 'server'), 'admission');
    redis = await startRedis({ appendOnly: false });
    const path = join(dir.path, 'pushgate.yaml');
    await writeFile(
      path,
      stringify({
        server: { host: '127.0.0.1', port: 0, apiTokens: [API_TOKEN] },
        redis: { url: redis.url, prefix: 'pgbg' },
        registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
        policies: { paths: [DEFAULT_POLICIES] },
        admission: {
          enabled: true,
          port: 0,
          host: '127.0.0.1',
          tls: { certFile: pair.certFile, keyFile: pair.keyFile },
        },
        secrets: { fingerprintKey: 'pushgate-test-fingerprint-key' },
        log: { level: 'silent' },
      }),
    );
    const { config } = loadConfig({ path, env: {} });
    running = await startServer(config, createLogger({ level: 'silent' }));
  });

  afterAll(async () => {
    await running?.close();
    await redis?.stop();
    await dir?.remove();
  });

  it('an exemption allows the namespace with a warning and an audit annotation, until it is revoked', async () => {
    expect(await review('team-a')).toMatchObject({ allowed: false });

    const granted = await grant('team-a', 3600);
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({
      namespace: 'team-a',
      by: 'alice',
      reason: 'pushgate wrongly denies (INC-7)',
    });
    const listed = await api('GET', '/admission/exemptions');
    expect(listed.body).toEqual({ exemptions: [granted.body] });

    let answer!: ReviewResponse;
    await waitFor(
      'the exemption to be honoured',
      async () => (answer = await review('team-a')).allowed,
      SEEN_WITHIN_MS,
    );
    const expected = `namespace team-a is exempt until ${granted.body.until as string} (break-glass by alice: pushgate wrongly denies (INC-7))`;
    expect(answer.warnings).toEqual([`pushgate: ${expected}`]);
    expect(answer.auditAnnotations).toEqual({ 'break-glass': expected });
    // Only that namespace.
    expect(await review('team-b')).toMatchObject({ allowed: false });

    const revoked = await api('DELETE', '/admission/exemptions/team-a?by=bob');
    expect(revoked).toMatchObject({ status: 200, body: granted.body });
    await waitFor('the revocation to be seen', async () => !(await review('team-a')).allowed, SEEN_WITHIN_MS);
    expect(await api('DELETE', '/admission/exemptions/team-a?by=bob')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect((await api('GET', '/admission/exemptions')).body).toEqual({ exemptions: [] });

    const audit = await api('GET', '/audit');
    const entries = (audit.body.entries as Array<Record<string, string>>).filter(
      (e) => e.type === 'break-glass',
    );
    expect(entries.map((e) => [e.outcome, e.namespace, e.by])).toEqual([
      ['revoked', 'team-a', 'bob'],
      ['granted', 'team-a', 'alice'],
    ]);
  });

  it('an exemption that ended is ignored at once, even while the decider still holds it', async () => {
    const granted = await grant('short-lived', 7);
    const until = Date.parse(granted.body.until as string);
    await waitFor(
      'the exemption to be honoured',
      async () => (await review('short-lived')).allowed,
      SEEN_WITHIN_MS,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 50));
    expect(await review('short-lived')).toMatchObject({ allowed: false });
  });

  it('refuses grants the API cannot accept', async () => {
    for (const body of [
      { namespace: 'team-a', forSeconds: 86_401, reason: 'why', by: 'alice' },
      { namespace: 'team-a', forSeconds: 0, reason: 'why', by: 'alice' },
      { namespace: 'Team_A', forSeconds: 60, reason: 'why', by: 'alice' },
      { namespace: 'team-a', forSeconds: 60, reason: '', by: 'alice' },
      { namespace: 'team-a', forSeconds: 60, reason: 'why' },
      { namespace: 'team-a', forSeconds: '2h', reason: 'why', by: 'alice' },
    ]) {
      const refused = await api('POST', '/admission/exemptions', body);
      expect(refused, JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { error: { code: 'BAD_REQUEST' } },
      });
    }
    expect(await api('DELETE', '/admission/exemptions/team-a')).toMatchObject({ status: 400 });
    expect(await api('DELETE', '/admission/exemptions/Team_A?by=bob')).toMatchObject({ status: 400 });
    expect((await api('GET', '/admission/exemptions')).body).toEqual({ exemptions: [] });
  });

  it('fails closed: with Redis down an exempt namespace is judged like any other', async () => {
    await grant('team-c', 3600);
    await waitFor(
      'the exemption to be honoured',
      async () => (await review('team-c')).allowed,
      SEEN_WITHIN_MS,
    );
    await redis.restart(async () => {
      // Past the cache's life, the decider must ask Redis again, and cannot.
      await new Promise((resolve) => setTimeout(resolve, 5500));
      const started = Date.now();
      expect(await review('team-c')).toMatchObject({ allowed: false });
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });
});
