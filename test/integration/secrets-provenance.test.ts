import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretFinding } from '../../src/facts/image-facts.js';
import type { ScanReport } from '../../src/report/scan-report.js';
import { hostPackageFiles } from '../support/host-packages.js';
import { buildImage, writeDockerArchive, type FileSpec, type LayerSpec } from '../support/image-builder.js';
import { runCli } from '../support/run-cli.js';
import { pseudoRandom } from '../support/seed-images.js';
import { tempDir } from '../support/temp-dir.js';
import { expandTemplate } from '../fixtures/secrets/expand-template.js';

const run = promisify(execFile);

/** Built at run time so no literal key is committed. */
const AWS_KEY_ID = `AKIA${pseudoRandom('go-binary-key', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
const PEM = `${expandTemplate('[[pem:RSA PRIVATE KEY]]', 401)}\n`;
const GO_PACKAGES = ['golang-1.19-go', 'golang-1.19-src', 'golang-src', 'golang-go'];
const EDITED = 'usr/share/go-1.19/src/net/url/url.go';

function secretsOf(report: ScanReport): { findings: SecretFinding[]; vendor: SecretFinding[] } {
  const secrets = report.platforms[0].facts.secrets;
  return { findings: secrets?.findings ?? [], vendor: secrets?.vendorFindings ?? [] };
}

function noSecretsResult(report: ScanReport): string | undefined {
  return report.verdicts?.[0].policies.find((p) => p.name === 'no-secrets')?.result;
}

/** The seed's single-stage Go example, as `apt-get install golang-go` on Debian writes it. */
async function goToolchainLayers(): Promise<LayerSpec[]> {
  const osRelease = await readFile('/etc/os-release');
  return [
    { files: [{ path: 'etc/os-release', content: osRelease }], compression: 'none' },
    {
      files: await hostPackageFiles(GO_PACKAGES),
      compression: 'none',
      createdBy: 'RUN /bin/sh -c apt-get update && apt-get install -y golang-go # buildkit',
    },
  ];
}

describe('secret provenance on real images', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let toolchain: ScanReport;
  let edited: ScanReport;
  let binary: ScanReport;

  async function scan(name: string, layers: LayerSpec[], entrypoint?: string[]): Promise<ScanReport> {
    const archive = join(dir.path, `${name}.tar`);
    const image = await buildImage({ layers, ...(entrypoint ? { config: { Entrypoint: entrypoint } } : {}) });
    await writeDockerArchive(archive, image, [`provenance/${name}:1`]);
    const result = await runCli(['scan', `docker-archive:${archive}`, '-f', 'json', '--policy', 'policies/']);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as ScanReport;
  }

  beforeAll(async () => {
    dir = await tempDir('pushgate-provenance-');
    const base = await goToolchainLayers();
    toolchain = await scan('go-toolchain', base);
    const original = await readFile(`/${EDITED}`, 'utf8');
    edited = await scan('go-edited', [
      ...base,
      {
        files: [{ path: EDITED, content: `${original}\n/*\n${PEM}*/\n` }],
        createdBy: 'COPY url.go /usr/share/go-1.19/src/net/url/url.go',
      },
    ]);

    const src = join(dir.path, 'main.go');
    await writeFile(
      src,
      'package main\n\nimport "fmt"\n\nvar key = "unset"\n\nfunc main() { fmt.Println(len(key)) }\n',
    );
    const out = join(dir.path, 'app');
    await run('go', ['build', '-trimpath', '-o', out, '-ldflags', `-X main.key=${AWS_KEY_ID}`, src], {
      env: {
        ...process.env,
        GOCACHE: join(dir.path, 'gocache'),
        GOPATH: join(dir.path, 'gopath'),
        GO111MODULE: 'off',
      },
    });
    const files: FileSpec[] = [{ path: 'app/server', content: await readFile(out), mode: 0o755 }];
    binary = await scan('go-binary', [{ files }], ['/app/server']);
  }, 300_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it('passes the default secrets check on a Go toolchain image, listing the vendor keys with their package', () => {
    const { findings, vendor } = secretsOf(toolchain);
    expect(findings.map((f) => `${f.rule} ${f.evidence.path}`)).toEqual([]);
    expect(vendor.length).toBeGreaterThanOrEqual(5);
    for (const finding of vendor) {
      expect(finding).toMatchObject({ origin: 'os-package', severity: 'info' });
      expect(finding.package).toMatch(/^golang-1\.19-(src|go)$/);
    }
    expect(vendor.map((f) => f.evidence.path)).toContainEqual(
      expect.stringMatching(/^\/usr\/share\/go-1\.19\/src\/crypto\//),
    );
    expect(toolchain.platforms[0].facts.secrets?.byOrigin['os-package']).toBe(vendor.length);
    expect(noSecretsResult(toolchain)).toBe('pass');
    // Listed in the report at info, never hidden.
    const reported = toolchain.platforms[0].findings.filter((f) => f.category === 'Secrets');
    expect(reported).toHaveLength(vendor.length);
    expect(
      reported.every(
        (f) => f.severity === 'info' && f.message.includes('(shipped by OS package golang-1.19-'),
      ),
    ).toBe(true);
  });

  it("finds a key added to a packaged file after installation: the user's, naming the package", () => {
    const { findings } = secretsOf(edited);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'private-key',
      origin: 'user',
      package: 'golang-1.19-src',
      changedAfterInstall: true,
      evidence: { path: `/${EDITED}`, layer: 2 },
    });
    expect(noSecretsResult(edited)).toBe('fail');
  });

  it('finds an AWS key compiled into a Go binary', () => {
    const { findings } = secretsOf(binary);
    expect(findings.map((f) => `${f.rule} ${f.origin} ${f.evidence.path}`)).toEqual([
      'aws-access-key-id user /app/server',
    ]);
    expect(JSON.stringify(binary)).not.toContain(AWS_KEY_ID);
    expect(noSecretsResult(binary)).toBe('fail');
  });
});
