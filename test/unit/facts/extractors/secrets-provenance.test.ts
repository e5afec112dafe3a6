import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FactExtractor } from '../../../../src/facts/extractor.js';
import { secrets } from '../../../../src/facts/extractors/secrets.js';
import type { ImageFacts, SecretFinding } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type FileSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { expandTemplate } from '../../../fixtures/secrets/expand-template.js';

const PEM = `${expandTemplate('[[pem:RSA PRIVATE KEY]]', 301)}\n`;
const AWS_KEY_ID = expandTemplate('AKIA[[gen::16:upper]]', 302);
const URL_WITH_PASSWORD = `var u = "https://admin:${expandTemplate('[[gen::14:alnum]]', 303)}@db.example.com/x"\n`;
const NPM_TOKEN = expandTemplate('npm_[[gen::36:alnum]]', 304);
const OTHER_NPM_TOKEN = expandTemplate('npm_[[gen::36:alnum]]', 306);

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

async function scan(files: FileSpec[], more: FileSpec[][] = []): Promise<ImageFacts> {
  const image = await buildImage({ layers: [{ files }, ...more.map((layer) => ({ files: layer }))] });
  const { facts } = await scanBuiltImage(image, { extractors: [secrets as FactExtractor] });
  expectValidFacts(facts);
  return facts;
}

const GO_KEY = 'usr/share/go-1.19/src/crypto/tls/testdata/example-key.pem';
const GO_URL_TEST = 'usr/share/go-1.19/src/net/url/url_test.go';
const md5sums = (entries: Array<[string, string]>): FileSpec => ({
  path: 'var/lib/dpkg/info/golang-1.19-src.md5sums',
  content: entries.map(([path, content]) => `${md5(content)}  ${path}\n`).join(''),
});

function paths(list: SecretFinding[] | undefined): string[] {
  return (list ?? []).map((f) => `${f.origin}:${f.package ?? ''}:${f.evidence.path}`).sort();
}

describe('secret provenance', () => {
  it('lists packaged files that match their dpkg md5sums as vendor findings at info, with the package', async () => {
    const facts = await scan([
      { path: GO_KEY, content: PEM },
      { path: GO_URL_TEST, content: URL_WITH_PASSWORD },
      md5sums([
        [GO_KEY, PEM],
        [GO_URL_TEST, URL_WITH_PASSWORD],
      ]),
    ]);
    expect(facts.secrets?.findings).toEqual([]);
    expect(paths(facts.secrets?.vendorFindings)).toEqual([
      `os-package:golang-1.19-src:/${GO_KEY}`,
      `os-package:golang-1.19-src:/${GO_URL_TEST}`,
    ]);
    expect(facts.secrets?.vendorFindings.every((f) => f.severity === 'info')).toBe(true);
    expect(facts.secrets?.byOrigin).toEqual({ user: 0, 'os-package': 2, 'dependency-fixture': 0 });
    const messages = secrets.findings(facts).map((f) => `${f.severity} ${f.message}`);
    expect(messages).toContainEqual(
      expect.stringMatching(/^info Private key: .* \(shipped by OS package golang-1\.19-src\)$/),
    );
  });

  it("matches a database written by a later layer, and calls a packaged file edited afterwards the user's", async () => {
    const facts = await scan(
      [{ path: GO_KEY, content: PEM }],
      [
        [md5sums([[GO_KEY, PEM]])],
        [{ path: GO_URL_TEST, content: URL_WITH_PASSWORD }, md5sums([[GO_URL_TEST, 'original\n']])],
      ],
    );
    expect(paths(facts.secrets?.vendorFindings)).toEqual([`os-package:golang-1.19-src:/${GO_KEY}`]);
    const [edited] = facts.secrets?.findings ?? [];
    expect(facts.secrets?.findings).toHaveLength(1);
    expect(edited).toMatchObject({
      rule: 'url-password',
      origin: 'user',
      package: 'golang-1.19-src',
      changedAfterInstall: true,
      severity: 'medium',
    });
    expect(secrets.findings(facts).map((f) => f.message)).toContainEqual(
      expect.stringContaining('(file of OS package golang-1.19-src, changed after installation)'),
    );
  });

  it('softens keys in dependency fixtures, never live formats, nor configuration at a package top level', async () => {
    const facts = await scan([
      { path: 'app/node_modules/ssh2/test/fixtures/id_rsa', content: PEM },
      { path: 'app/node_modules/aws-sdk/test/fixtures/creds.js', content: `const id = "${AWS_KEY_ID}";\n` },
      {
        path: 'app/node_modules/left-pad/.npmrc',
        content: `//registry.example.com/:_authToken=${NPM_TOKEN}\n`,
      },
      {
        path: 'app/node_modules/npm-conf/test/fixtures/.npmrc',
        content: `//registry.example.com/:_authToken=${OTHER_NPM_TOKEN}\n`,
      },
      { path: 'app/test/fixtures/id_rsa', content: PEM },
    ]);
    expect(paths(facts.secrets?.vendorFindings)).toEqual([
      'dependency-fixture:ssh2:/app/node_modules/ssh2/test/fixtures/id_rsa',
    ]);
    expect(paths(facts.secrets?.findings)).toEqual([
      'dependency-fixture:aws-sdk:/app/node_modules/aws-sdk/test/fixtures/creds.js',
      'dependency-fixture:npm-conf:/app/node_modules/npm-conf/test/fixtures/.npmrc',
      'user::/app/node_modules/left-pad/.npmrc',
      'user::/app/test/fixtures/id_rsa',
    ]);
    const live = facts.secrets?.findings.find(
      (f) => f.origin === 'dependency-fixture' && f.rule === 'aws-access-key-id',
    );
    expect(live).toMatchObject({ verifiable: true, severity: 'critical' });
    expect(facts.secrets?.byOrigin).toEqual({ user: 2, 'os-package': 0, 'dependency-fixture': 3 });
  });

  it("verifies streamed text files by checksum; a key in a streamed binary stays the user's, marked unverified", async () => {
    const bigText = `${'// generated\n'.repeat(120_000)}${PEM}`;
    const elf = Buffer.alloc(2 * 1024 * 1024);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf, 0);
    Buffer.from(`\0${PEM}\0`).copy(elf, 1024 * 1024);
    const facts = await scan([
      { path: 'usr/share/doc/big/example.txt', content: bigText },
      { path: 'usr/lib/libbig.so.1', content: elf },
      {
        path: 'var/lib/dpkg/info/big.md5sums',
        content: `${md5(bigText)}  usr/share/doc/big/example.txt\n${createHash('md5').update(elf).digest('hex')}  usr/lib/libbig.so.1\n`,
      },
    ]);
    expect(facts.secrets?.scanned.streamedFiles).toBe(2);
    expect(paths(facts.secrets?.vendorFindings)).toEqual(['os-package:big:/usr/share/doc/big/example.txt']);
    expect(facts.secrets?.findings).toHaveLength(1);
    expect(facts.secrets?.findings[0]).toMatchObject({
      rule: 'private-key',
      origin: 'user',
      package: 'big',
      checksumNotComputed: true,
      evidence: { path: '/usr/lib/libbig.so.1' },
    });
    expect(facts.secrets?.findings[0].changedAfterInstall).toBeUndefined();
  });

  it("keeps findings in ENV, labels and history the user's", async () => {
    const image = await buildImage({
      layers: [{ files: [{ path: 'etc/hostname', content: 'x\n' }] }],
      config: { Env: [`DATABASE_URL=postgres://app:${expandTemplate('[[gen::16:alnum]]', 305)}@db/app`] },
    });
    const { facts } = await scanBuiltImage(image, { extractors: [secrets as FactExtractor] });
    expect(facts.secrets?.findings.map((f) => `${f.source}:${f.origin}`)).toEqual(['env:user']);
  });
});

describe('live credentials in credential files stay blocking inside dependency fixtures', () => {
  const AWS_SECRET = expandTemplate('[[gen::40:base64]]', 310)
    .replace(/[^A-Za-z0-9/+]/g, 'A')
    .slice(0, 40);
  const DOCKER_PAT = `dckr_pat_${expandTemplate('[[gen::27:b64url]]', 311)}`;

  it('an AWS credentials file, a docker auth holding a live token; a plain docker password softens', async () => {
    const dockerAuth = (password: string) =>
      JSON.stringify({
        auths: { 'registry.example.com': { auth: Buffer.from(`ci:${password}`).toString('base64') } },
      });
    const facts = await scan([
      {
        path: 'app/node_modules/x/test/.aws/credentials',
        content: `[default]\naws_secret_access_key = ${AWS_SECRET}\n`,
      },
      { path: 'app/node_modules/y/test/.docker/config.json', content: dockerAuth(DOCKER_PAT) },
      {
        path: 'app/node_modules/z/test/.docker/config.json',
        content: dockerAuth(expandTemplate('[[gen::20:alnum]]', 312)),
      },
    ]);
    expect(
      facts.secrets?.findings.map((f) => `${f.rule}:${f.origin}:${f.verifiable ?? false}`).sort(),
    ).toEqual(['aws-credentials-file:dependency-fixture:true', 'docker-config-auth:dependency-fixture:true']);
    expect(facts.secrets?.vendorFindings.map((f) => `${f.rule}:${f.package}`)).toEqual([
      'docker-config-auth:z',
    ]);
    expect(JSON.stringify(facts)).not.toContain(DOCKER_PAT);
  });
});
