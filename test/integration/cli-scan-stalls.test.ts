import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { setTimeout as sleep } from 'node:timers/promises';

import { RegistryReader } from '../../src/registry/registry-reader.js';
import { RegistryClients } from '../../src/pipeline/registry-clients.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-docker-engine.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, type BuiltImage } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli, startCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** Fast thresholds so a stall is seen in about two seconds, not a minute. */
const FAST_STALL = { PUSHGATE_BODY_MIN_BYTES_PER_SECOND: '1024', PUSHGATE_BODY_STALL_WINDOW_MS: '1500' };

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('pushgate scan against a registry that dribbles a blob', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let image: BuiltImage;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.url);
    // Random bytes do not compress: the layer blob is about 256 KiB on the wire.
    image = await buildImage({
      layers: [{ compression: 'none', files: [{ path: 'data.bin', content: randomBytes(256 * 1024) }] }],
    });
    await pushImage({ url: registry.url, repository: 'slow/app', tag: '1' }, image);
  });

  afterEach(() => {
    proxy.dribbleBlobs(null);
    proxy.dropBlobs(null);
  });

  afterAll(async () => {
    await Promise.allSettled([proxy?.stop(), registry?.stop()]);
  });

  it('fails a blob that sends a byte every half second with REGISTRY_UNREACHABLE (exit 3), not a hang', async () => {
    // 64 KiB at once, then one byte every 500 ms: never idle long enough for an idle timeout.
    proxy.dribbleBlobs({ afterBytes: 64 * 1024, intervalMs: 500 });
    const result = await runCli(['scan', '--plain-http', `${proxy.host}/slow/app:1`], FAST_STALL);
    expect(result.stderr).toContain('[REGISTRY_UNREACHABLE]');
    expect(result.stderr).toContain('stalled: fewer than 1024 bytes/s over 1.5 s');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
    expect(result.stdout).toBe('');
  });

  it('fails a blob whose connection drops mid-body with REGISTRY_UNREACHABLE (exit 3), not INTERNAL', async () => {
    // The network's fault, not the image's: the service retries it, and never calls it UNJUDGED.
    proxy.dropBlobs(64 * 1024);
    const result = await runCli(['scan', '--plain-http', `${proxy.host}/slow/app:1`]);
    expect(result.stderr).toContain('[REGISTRY_UNREACHABLE]');
    expect(result.stderr).toContain('connection failed');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
  });

  it('stops the whole scan at --timeout with SCAN_TIMEOUT (exit 3) when no other check fires', async () => {
    proxy.dribbleBlobs({ afterBytes: 64 * 1024, intervalMs: 200 });
    const result = await runCli(['scan', '--plain-http', '--timeout', '3s', `${proxy.host}/slow/app:1`], {
      PUSHGATE_BODY_MIN_BYTES_PER_SECOND: '0',
    });
    expect(result.stderr).toContain('[SCAN_TIMEOUT]');
    expect(result.stderr).toContain('not finished within --timeout 3s');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
  });

  it('refuses a bad --timeout as a usage error (exit 2)', async () => {
    const result = await runCli([
      'scan',
      '--plain-http',
      '--timeout',
      '10 minutes',
      `${proxy.host}/slow/app:1`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--timeout must be a positive duration such as 90s, 5m, 1h or 1h30m');
    expectNoStack(result.stderr);
  });

  it('does not blame the registry while the reader is the slow one', async () => {
    // Windows of 300 ms, a reader that takes 700 ms per chunk: the socket is paused, not stalled.
    const client = new RegistryReader({
      registry: registry.host,
      plainHttp: true,
      timeouts: { minBodyBytesPerSecond: 1024, bodyStallWindowMs: 300 },
    });
    try {
      const blob = await client.getBlob('slow/app', image.layers[0]);
      let bytes = 0;
      for await (const chunk of blob as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        await sleep(700);
      }
      expect(bytes).toBe(image.layers[0].size);
    } finally {
      await client.close();
    }
  });

  it('gives the service the same protection: its registry clients fail a dribbled blob', async () => {
    proxy.dribbleBlobs({ afterBytes: 64 * 1024, intervalMs: 500 });
    const clients = new RegistryClients(
      [{ name: 'slow', host: proxy.host, url: proxy.url, aliases: [], allowDelete: false }],
      { minBodyBytesPerSecond: 1024, bodyStallWindowMs: 1500 },
    );
    try {
      const layer = image.layers[0];
      const blob = await clients.client('slow').getBlob('slow/app', layer);
      const read = (async () => {
        for await (const chunk of blob) void chunk;
      })();
      await expect(read).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE', transient: true });
    } finally {
      await clients.close();
    }
  });
});

describe('pushgate scan docker:// against a hostile engine', () => {
  let engine: FakeEngine | undefined;
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    tmp = await tempDir('pushgate-spool-');
  });

  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
  });

  afterAll(async () => {
    await tmp?.remove();
  });

  /** What the CLI left in its TMPDIR (tsx, which runs the sources, keeps its own cache there). */
  const leftovers = async (): Promise<string[]> =>
    (await readdir(tmp.path)).filter((name) => !name.startsWith('tsx-'));
  const spoolEmpty = async (): Promise<void> => {
    expect(await leftovers()).toEqual([]);
  };

  it('fails an engine that sends the save headers and then nothing with DOCKER_ENGINE (exit 3)', async () => {
    engine = await startFakeEngine({ save: 'stall' });
    const result = await runCli(['scan', 'docker://team/app:1'], {
      ...FAST_STALL,
      DOCKER_HOST: engine.dockerHost,
      TMPDIR: tmp.path,
    });
    expect(result.stderr).toContain('[DOCKER_ENGINE]');
    expect(result.stderr).toContain('stalled: fewer than 1024 bytes/s over 1.5 s (0 bytes received)');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
    await spoolEmpty();
  });

  it('fails an engine whose inspect answer never comes with DOCKER_ENGINE (exit 3)', async () => {
    engine = await startFakeEngine({ inspect: 'stall', save: 'stall' });
    const result = await runCli(['scan', 'docker://team/app:1'], {
      ...FAST_STALL,
      DOCKER_HOST: engine.dockerHost,
      TMPDIR: tmp.path,
    });
    expect(result.stderr).toContain('inspect image team/app:1');
    expect(result.stderr).toContain('[DOCKER_ENGINE]');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
  });

  it('ends an endless save stream at --max-image-bytes with LAYER_LIMIT and removes the spool', async () => {
    engine = await startFakeEngine({ save: 'endless' });
    const result = await runCli(['scan', '--max-image-bytes', '8MiB', 'docker://team/app:1'], {
      DOCKER_HOST: engine.dockerHost,
      TMPDIR: tmp.path,
    });
    expect(result.stderr).toContain('[LAYER_LIMIT]');
    expect(result.stderr).toContain('larger than limits.maxImageBytes');
    expect(result.stderr).toContain('--max-image-bytes');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
    await spoolEmpty();
  });

  it('removes the spool when --timeout fires mid-save', async () => {
    engine = await startFakeEngine({ save: 'slow' });
    const result = await runCli(['scan', '--timeout', '3s', 'docker://team/app:1'], {
      DOCKER_HOST: engine.dockerHost,
      TMPDIR: tmp.path,
    });
    expect(result.stderr).toContain('[SCAN_TIMEOUT]');
    expect(result.code).toBe(3);
    expect(engine.savedBytes()).toBeGreaterThan(0);
    await spoolEmpty();
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`removes the spool on ${signal} mid-save and exits ${code}`, async () => {
      engine = await startFakeEngine({ save: 'slow' });
      const { child, done } = startCli(['scan', 'docker://team/app:1'], {
        DOCKER_HOST: engine.dockerHost,
        TMPDIR: tmp.path,
      });
      try {
        // Mid-spool: the spool directory exists and the engine has sent a few MB.
        await waitFor(
          'the docker save spool to fill',
          async () => (await leftovers()).length > 0 && engine!.savedBytes() > 2 * 1024 * 1024,
        );
        child.kill(signal);
        const result = await done;
        expect(result.code).toBe(code);
        expect(result.stderr).toContain(`${signal} received`);
        expectNoStack(result.stderr);
      } finally {
        child.kill('SIGKILL');
      }
      await spoolEmpty();
    });
  }
});

describe('pushgate scan --max-image-bytes on every source', () => {
  it('refuses an archive whose layers add up to more, before reading them (LAYER_LIMIT, exit 3)', async () => {
    const result = await runCli([
      'scan',
      '--max-image-bytes',
      '1000',
      'docker-archive:test/fixtures/images/sample.tar',
    ]);
    expect(result.stderr).toContain('[LAYER_LIMIT]');
    expect(result.stderr).toContain('exceed maxImageCompressedBytes (1000); raise limits.maxImageBytes');
    expect(result.code).toBe(3);
    expectNoStack(result.stderr);
  });
});
