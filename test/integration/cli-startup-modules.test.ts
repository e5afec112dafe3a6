import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, pushImage, writeOciLayout } from '../support/image-builder.js';
import { runCliLoadedModules, type LoadedModules } from '../support/loaded-modules.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { REPO_ROOT } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * What a command loads is its start-up cost (issue 16: `--version` within 3× of `node -e ''`, a
 * small scan within 5×; bench/startup measures it). Commands load their dependencies lazily, so
 * the cheap ones load nearly nothing and the scan path never loads the service stack. This checks
 * the modules a real run loaded, not timings.
 */
const SERVICE_STACK = [
  'express',
  'bullmq',
  'ioredis',
  '@bull-board/api',
  '@bull-board/express',
  'dockerode',
  'ssh2',
  'protobufjs',
  'prom-client',
  'pino',
];
/** Needed by `--policy` (YAML policies, rule schemas) and registry sources, not by every scan. */
const SCAN_EXTRAS = ['yaml', 'ajv', 'ajv-formats', 'undici'];

function loadedOf(run: LoadedModules, names: readonly string[]): string[] {
  return names.filter((name) => run.packages.has(name));
}

describe('what the CLI loads', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let layout: string;
  let registry: TestRegistry;
  let reference: string;

  beforeAll(async () => {
    dir = await tempDir();
    const image = await buildImage({
      layers: [{ files: [{ path: 'etc/hello', content: 'hello\n' }] }],
      config: { Cmd: ['/bin/sh'] },
    });
    layout = join(dir.path, 'layout');
    registry = await startRegistry();
    reference = `${registry.host}/startup/app:1`;
    await Promise.all([
      writeOciLayout(layout, image),
      pushImage({ url: registry.url, repository: 'startup/app', tag: '1' }, image),
    ]);
  });

  afterAll(async () => {
    await registry?.stop();
    await dir?.remove();
  });

  it.each(['--version', '--help', 'scan --help'])(
    '`pushgate %s` loads no dependency but commander, and none of the scan path',
    async (command) => {
      const run = await runCliLoadedModules(command.split(' '));
      expect(run.result.code).toBe(0);
      expect(run.result.stdout).not.toBe('');
      expect(loadedOf(run, [...SERVICE_STACK, ...SCAN_EXTRAS, 'picomatch', 'zstd-napi'])).toEqual([]);
      // The scan command's own module, and the folders of the scan path and of the service.
      const heavy = /\/(src\/(cli\/scan\.ts|facts|inspect|registry|report|server|queue)|workers)\//;
      expect(run.files.filter((file) => file.includes(REPO_ROOT) && heavy.test(`${file}/`))).toEqual([]);
    },
  );

  it('a scan of an OCI layout loads neither the service stack nor YAML, ajv or the HTTP client', async () => {
    const run = await runCliLoadedModules(['scan', '-f', 'json', `oci:${layout}`]);
    expect(run.result.stderr).toBe('');
    expect(run.result.code).toBe(0);
    expect(JSON.parse(run.result.stdout)).toHaveProperty('platforms');
    expect(loadedOf(run, [...SERVICE_STACK, ...SCAN_EXTRAS])).toEqual([]);
  });

  it('a scan of a registry image loads the HTTP client but not the service stack, YAML or ajv', async () => {
    const run = await runCliLoadedModules(['scan', '--plain-http', '-f', 'json', reference]);
    expect(run.result.stderr).toBe('');
    expect(run.result.code).toBe(0);
    expect(run.packages.has('undici')).toBe(true);
    expect(loadedOf(run, [...SERVICE_STACK, 'yaml', 'ajv', 'ajv-formats'])).toEqual([]);
  });

  it('a scan with --policy loads the policy loader but not the service stack', async () => {
    const run = await runCliLoadedModules(['scan', '-f', 'json', '--policy', 'policies', `oci:${layout}`]);
    expect([0, 1]).toContain(run.result.code);
    expect(JSON.parse(run.result.stdout)).toHaveProperty('verdicts');
    expect(run.packages.has('yaml')).toBe(true);
    expect(loadedOf(run, SERVICE_STACK)).toEqual([]);
  });
});
