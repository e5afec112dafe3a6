import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/report/scan-report.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { freePort } from '../support/ports.js';
import { pushgateImage } from '../support/pushgate-image.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';

const POLICIES = join(REPO_ROOT, 'policies');
/** Built once per machine and inputs (cached); cold, with the stand-in bases, it takes minutes. */
const BUILD_TIMEOUT_MS = 25 * 60_000;

async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status;
}

describe("pushgate's own image (Dockerfile)", () => {
  let dockerd: Dockerd;
  let registry: TestRegistry;
  let redis: RedisServer;
  let tag: string;

  beforeAll(async () => {
    [dockerd, registry, redis] = await Promise.all([startDockerd(), startRegistry(), startRedis()]);
    const built = await pushgateImage(dockerd);
    console.info(`pushgate image: ${built.hashTag} ${built.how} in ${built.seconds} s`);
    tag = built.tag;
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([dockerd?.stop(), registry?.stop(), redis?.stop()]);
  });

  it('passes pushgate with the default policies in prod/pushgate: decision pass, nothing warned', async () => {
    const reference = `${registry.host}/prod/pushgate:0.1.0`;
    await dockerd.cli(['tag', tag, reference]);
    await dockerd.cli(['push', reference]);

    const result = await runCli(['scan', '-f', 'json', '--plain-http', '--policy', POLICIES, reference]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as ScanReport;
    const [verdict] = report.verdicts ?? [];
    const notPassed = verdict.policies.filter((p) => p.result !== 'pass' && p.result !== 'skip');
    expect(notPassed).toEqual([]);
    expect(verdict.decision).toBe('pass');
    expect(result.code).toBe(0);
    // In prod/** every default policy is enforced (two are audited everywhere by design).
    expect(verdict.policies.filter((p) => p.mode !== 'enforce').map((p) => p.name)).toEqual([
      'build-cache-order',
      'native-architecture',
    ]);
    const [platform] = report.platforms;
    // The private keys in node_modules/ssh2/test/fixtures are a dependency's fixtures (info), and
    // the dependencies' docs with example credentials are pruned (Dockerfile): nothing else.
    const secrets = platform.facts.secrets;
    expect(secrets?.findings).toEqual([]);
    expect(secrets?.vendorFindings.length).toBeGreaterThan(0);
    expect(secrets?.vendorFindings.filter((f) => f.origin !== 'dependency-fixture')).toEqual([]);
    expect(platform.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('runs as uid 65532 with exec-form entrypoint and healthcheck (no shell to run them)', async () => {
    const config = JSON.parse(
      (await dockerd.cli(['image', 'inspect', '--format', '{{json .Config}}', tag])).stdout,
    ) as {
      User: string;
      Entrypoint: string[];
      Cmd: string[];
      Healthcheck?: { Test: string[] };
    };
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node', '/app/bin/pushgate.js']);
    expect(config.Cmd).toEqual(['serve']);
    expect(config.Healthcheck?.Test.slice(0, 2)).toEqual(['CMD', '/nodejs/bin/node']);
    await expect(
      dockerd.cli(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', tag, '-c', 'true']),
    ).rejects.toThrow(/\/bin\/sh.*(no such file|not found)/i);
  });

  it('serves /healthz and /readyz with a read-only root filesystem as 65532, is healthy, stops cleanly', async () => {
    const port = await freePort();
    const name = `pushgate-${randomBytes(4).toString('hex')}`;
    // What `serve` needs: Redis, and an API token (without one, the development configuration
    // would write a generated token under the read-only working directory).
    await dockerd.cli([
      'run',
      '--detach',
      '--name',
      name,
      '--network',
      'host',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--user',
      '65532',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      // The image's own HEALTHCHECK command, run every second instead of every 30 s.
      '--health-interval',
      '1s',
      '--health-start-period',
      '1s',
      '--env',
      `REDIS_URL=${redis.url}`,
      '--env',
      `PUSHGATE_PORT=${port}`,
      '--env',
      `PUSHGATE_API_TOKENS=read:${randomBytes(16).toString('hex')}`,
      tag,
      'serve',
    ]);
    const logs = async (): Promise<string> => {
      const out = await dockerd.cli(['logs', name]).catch((e: Error) => ({ stdout: '', stderr: e.message }));
      return `${out.stdout}${out.stderr}`;
    };
    try {
      await waitFor(
        '/healthz of the container',
        async () => (await httpStatus(`http://127.0.0.1:${port}/healthz`)) === 200,
        60_000,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\ncontainer log:\n${await logs()}`);
      });
      expect(await httpStatus(`http://127.0.0.1:${port}/readyz`)).toBe(200);
      await waitFor(
        'Docker to run the image HEALTHCHECK and find it healthy',
        async () =>
          (await dockerd.cli(['inspect', '--format', '{{.State.Health.Status}}', name])).stdout.trim() ===
          'healthy',
        30_000,
      );
      await dockerd.cli(['stop', '--time', '20', name]);
      const exit = (await dockerd.cli(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim();
      expect({ exit, logs: exit === '0' ? '' : await logs() }).toEqual({ exit: '0', logs: '' });
    } finally {
      await dockerd.cli(['rm', '--force', name]).catch(() => undefined);
    }
  });
});
