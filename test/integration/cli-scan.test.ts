import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/report/scan-report.js';
import { EXTRACTORS } from '../../src/facts/extractors/index.js';
import { collectChecks } from '../../src/report/checks-catalogue.js';
import { expectValidFacts } from '../support/facts-schema.js';
import { expectValidSarif } from '../support/sarif-schema.js';
import { buildImage, buildIndex, pushImage } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { createTestCa, issueServerPair } from '../support/test-ca.js';
import { golden, readGolden, SAMPLE_ARCHIVE, scanForGolden } from '../support/goldens.js';

const SAMPLE = `docker-archive:${SAMPLE_ARCHIVE}`;

describe('pushgate scan (the CLI)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let registry: TestRegistry;

  beforeAll(async () => {
    [dir, registry] = await Promise.all([tempDir(), startRegistry()]);
    const platforms = await Promise.all(
      (['amd64', 'arm64'] as const).map((architecture) =>
        buildImage({
          platform: { os: 'linux', architecture },
          layers: [{ compression: 'zstd', files: [{ path: `etc/arch`, content: `${architecture}\n` }] }],
        }),
      ),
    );
    await pushImage(
      { url: registry.url, repository: 'multi/app', tag: '2.0' },
      await buildIndex(platforms, { attestation: true }),
    );
  });

  afterAll(async () => {
    await Promise.allSettled([dir?.remove(), registry?.stop()]);
  });

  it('prints the table report of the quick-start sample (golden file)', async () => {
    const table = golden('sample.table.golden');
    const result = await scanForGolden(table, SAMPLE_ARCHIVE);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(await readGolden(table));
    expect(result.stdout).not.toContain('npm_sampleSampleSample');
  });

  it('prints the JSON report of the sample (golden file, schema-valid facts)', async () => {
    const json = golden('sample.json.golden');
    const result = await scanForGolden(json, SAMPLE_ARCHIVE);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(await readGolden(json));
    const report = JSON.parse(result.stdout) as ScanReport;
    expect(report.schemaVersion).toBe(1);
    for (const platform of report.platforms) expectValidFacts(platform.facts);
  });

  it('prints SARIF 2.1.0 with one rule per check', async () => {
    const result = await runCli(['scan', '--format', 'sarif', SAMPLE]);
    expect(result.code).toBe(0);
    const log = JSON.parse(result.stdout) as {
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } } }>;
    };
    expectValidSarif(log);
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0].tool.driver.rules.map((r) => r.id)).toEqual(
      collectChecks(EXTRACTORS).map((c) => c.id),
    );
  });

  it('writes the report to --output and nothing to stdout', async () => {
    const file = join(dir.path, 'report.json');
    const result = await runCli(['scan', '-f', 'json', '-o', file, SAMPLE]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect((JSON.parse(await readFile(file, 'utf8')) as ScanReport).platforms).toHaveLength(1);
  });

  it('reads every platform of an index, skipping and counting attestations', async () => {
    const result = await runCli(['scan', '--plain-http', '-f', 'json', `${registry.host}/multi/app:2.0`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ScanReport;
    expect(report.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(report.image.skipped).toEqual({ attestations: 2, otherPlatforms: 0, unknownManifests: 0 });
    expect(report.image.indexDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    for (const p of report.platforms) {
      expectValidFacts(p.facts);
      expect(p.facts.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
      expect(p.facts.totals.fileCount).toBe(1);
    }
  });

  it('reads one platform with --platform', async () => {
    const result = await runCli([
      'scan',
      '--plain-http',
      '--platform',
      'linux/arm64',
      '-f',
      'json',
      `${registry.host}/multi/app:2.0`,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ScanReport;
    expect(report.platforms.map((p) => p.platform)).toEqual(['linux/arm64']);
    expect(report.image.skipped).toEqual({ attestations: 2, otherPlatforms: 1, unknownManifests: 0 });
  });

  it('exits 3 naming the available platforms when --platform matches none', async () => {
    const result = await runCli([
      'scan',
      '--plain-http',
      '--platform',
      'linux/s390x',
      `${registry.host}/multi/app:2.0`,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no image for linux\/s390x; available: linux\/amd64, linux\/arm64/);
    expect(result.stderr).toContain('[PLATFORM_NOT_FOUND]');
  });

  it('exits 3 with a clear message when a plain-HTTP registry is read without --plain-http', async () => {
    const result = await runCli(['scan', `${registry.host}/multi/app:2.0`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `${registry.host}: the registry answered plain HTTP to an HTTPS request; use --plain-http`,
    );
    expect(result.stderr).not.toMatch(/SSL|ssl3|openssl/); // what it means, not OpenSSL's words
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('exits 3 saying the registry speaks HTTPS when --plain-http reaches a TLS port', async () => {
    const ca = await createTestCa(join(dir.path, 'ca'));
    const pair = await issueServerPair(ca, join(dir.path, 'ca'), 'registry');
    const tls = await startRegistry({ tls: { certFile: pair.certFile, keyFile: pair.keyFile } });
    try {
      const result = await runCli(['scan', '--plain-http', `${tls.host}/multi/app:2.0`]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`${tls.host}: the registry answered a plain-HTTP request with`);
      expect(result.stderr).toContain('it speaks HTTPS; drop --plain-http');
    } finally {
      await tls.stop();
    }
  });

  it('exits 3 when the image does not exist', async () => {
    const result = await runCli(['scan', '--plain-http', `${registry.host}/multi/nothing:1`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[REGISTRY_NOT_FOUND]');
  });

  it('exits 3 on a missing or corrupt archive', async () => {
    const missing = await runCli(['scan', 'docker-archive:/nonexistent/image.tar']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no such file');
    const garbage = join(dir.path, 'garbage.tar');
    await writeFile(garbage, Buffer.alloc(4096, 0x41));
    const corrupt = await runCli(['scan', `docker-archive:${garbage}`]);
    expect(corrupt.code).toBe(3);
    expect(corrupt.stderr).toContain('[ARCHIVE_INVALID]');
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['scan'])).code).toBe(2);
    expect((await runCli(['scan', '--format', 'xml', SAMPLE])).code).toBe(2);
    expect((await runCli(['scan', '--platform', 'linux', SAMPLE])).code).toBe(2);
    const scheme = await runCli(['scan', 'ftp://example.com/app']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('unknown reference scheme');
    expect((await runCli(['scan', 'UPPER/Case:tag'])).code).toBe(2);
  });

  it('prints help and version with exit 0', async () => {
    const help = await runCli(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--platform');
    expect((await runCli(['--version'])).stdout.trim()).toBe('0.1.0');
  });
});
