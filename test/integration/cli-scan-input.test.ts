import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/report/scan-report.js';
import { buildImage, writeDockerArchive, writeOciLayout } from '../support/image-builder.js';
import { writeTarFile } from '../support/image-builder/write-tar-file.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';

/** `scan FILE` and `scan --input FILE`: an image file is recognised by what it holds, not its name. */
describe('pushgate scan of a plain file path', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let archive: string;
  let ociTar: string;
  let ociDir: string;

  beforeAll(async () => {
    dir = await tempDir();
    const image = await buildImage({
      layers: [{ files: [{ path: 'etc/hello', content: 'hello\n' }] }],
    });
    // Names that say nothing about the format: only the contents can tell them apart.
    archive = join(dir.path, 'saved.image');
    ociTar = join(dir.path, 'layout.image');
    ociDir = join(dir.path, 'layout-dir');
    await Promise.all([
      writeDockerArchive(archive, image, ['plain/app:1']),
      writeOciLayout(ociTar, image, { tar: true, refName: '1' }),
      writeOciLayout(ociDir, image),
    ]);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  const scanJson = async (args: string[]): Promise<ScanReport> => {
    const result = await runCli(['scan', '-f', 'json', ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as ScanReport;
  };

  it('reads a docker save archive given as a plain path', async () => {
    const report = await scanJson([archive]);
    expect(report.image).toMatchObject({ reference: `docker-archive:${archive}`, source: 'docker-archive' });
    expect(report.platforms[0].facts.totals.fileCount).toBe(1);
  });

  it('reads an OCI layout tar and an OCI layout directory given as plain paths', async () => {
    expect((await scanJson([ociTar])).image.source).toBe('oci');
    expect((await scanJson([ociDir])).image.reference).toBe(`oci:${ociDir}`);
  });

  it('reads --input FILE (Trivy spelling), in any argument order', async () => {
    expect((await scanJson(['--input', archive])).image.source).toBe('docker-archive');
    const result = await runCli(['scan', '--input', ociTar, '-f', 'json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as ScanReport).image.source).toBe('oci');
  });

  it('says what to do with a compressed save, a tar that holds no image, and a missing file', async () => {
    const gz = join(dir.path, 'app.tar.gz');
    await writeFile(gz, gzipSync(await readFile(archive)));
    const compressed = await runCli(['scan', gz]);
    expect(compressed.code).toBe(3);
    expect(compressed.stderr).toContain(
      `is gzip-compressed; scan reads uncompressed tars: run \`gunzip -k ${gz}\``,
    );
    expect(compressed.stderr).toContain(`scan ${join(dir.path, 'app.tar')}`);

    const other = join(dir.path, 'other.tar');
    await writeTarFile(other, [{ name: 'README', data: Buffer.from('not an image\n') }]);
    const notImage = await runCli(['scan', '--input', other]);
    expect(notImage.code).toBe(3);
    expect(notImage.stderr).toContain('without manifest.json (docker save) or oci-layout and index.json');
    expect(notImage.stderr).toContain('docker save IMAGE -o FILE.tar');

    const missing = await runCli(['scan', './no-such-image.tar']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('./no-such-image.tar: no such file or directory');
    expect(missing.stderr).not.toContain('lowercase');
  });

  it('refuses a reference and --input together, and neither (exit 2)', async () => {
    const both = await runCli(['scan', archive, '--input', archive]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const neither = await runCli(['scan']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('scan needs an image reference or --input FILE');
  });
});
