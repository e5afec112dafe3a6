import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionDecider } from '../../../src/admission/types.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { createLogger } from '../../../src/logger.js';
import {
  startServer,
  type AdmissionDeciderContext,
  type RunningServer,
} from '../../../src/server/start-server.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { DEFAULT_POLICIES } from '../../support/pushgate-service.js';
import { createTestCa, issueServerPair, type IssuedPair, type TestCa } from '../../support/test-ca.js';
import { tempDir } from '../../support/temp-dir.js';
import { httpsRequest, podReview } from './admission-client.js';

let dir: { path: string; remove(): Promise<void> };
let ca: TestCa;
let pair: IssuedPair;
let redis: RedisServer;

beforeAll(async () => {
  dir = await tempDir('pushgate-admission-serve-');
  ca = await createTestCa(join(dir.path, 'ca'));
  pair = await issueServerPair(ca, join(dir.path, 'server'), 'admission');
  redis = await startRedis({ appendOnly: false });
});

afterAll(async () => {
  await redis?.stop();
  await dir?.remove();
});

/** A service config file with the admission webhook on (port 0: a free port). */
async function configFile(redisUrl: string): Promise<string> {
  const path = join(dir.path, `pushgate-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(
    path,
    stringify({
      server: { host: '127.0.0.1', port: 0, apiTokens: ['api-token-0123456789abcdef'] },
      redis: { url: redisUrl, prefix: `pga-${Math.random().toString(36).slice(2, 8)}` },
      registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      policies: { paths: [DEFAULT_POLICIES] },
      admission: {
        enabled: true,
        port: 0,
        host: '127.0.0.1',
        tls: { certFile: pair.certFile, keyFile: pair.keyFile },
      },
      secrets: { fingerprintKey: 'pushgate-test-fingerprint-key' },
      log: { level: 'warn' },
    }),
  );
  return path;
}

describe('pushgate serve with admission.enabled', () => {
  let running: RunningServer;
  let context: AdmissionDeciderContext | undefined;

  beforeAll(async () => {
    const { config } = loadConfig({ path: await configFile(redis.url), env: {} });
    const decider: AdmissionDecider = {
      validate: (request) =>
        Promise.resolve(
          request.namespace === 'forbidden'
            ? { allowed: false, message: 'container app: image team/app:1 was rejected' }
            : { allowed: true },
        ),
      mutate: () => Promise.resolve({ allowed: true }),
    };
    running = await startServer(config, createLogger({ level: 'silent' }), {
      admissionDecider: (ctx) => {
        context = ctx;
        return decider;
      },
    });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('serves the admission endpoint over HTTPS beside the HTTP server, with the decider the factory built', async () => {
    expect(running.admission?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(context?.redis.status).toBe('ready');
    expect(context?.policySet).toBe(running.policySet);
    const answer = await httpsRequest(running.admission?.url ?? '', {
      ca: ca.cert,
      path: '/admission/validate',
      body: JSON.stringify(podReview({ namespace: 'forbidden' })),
      headers: { 'Content-Type': 'application/json' },
    });
    expect((answer.json as { response: unknown }).response).toMatchObject({
      allowed: false,
      status: { code: 403, message: 'container app: image team/app:1 was rejected' },
    });
  });

  it('exposes the admission series on the service /metrics', async () => {
    const metrics = await fetch(`${running.url}/metrics`);
    const text = await metrics.text();
    expect(text).toMatch(
      /pushgate_admission_requests_total\{operation="validate",kind="Pod",decision="deny"\} 1/,
    );
    expect(text).toContain('pushgate_admission_decision_seconds_bucket');
  });
});
