import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import type { FactExtractor } from '../../../../src/facts/extractor.js';
import { EXTRACTORS } from '../../../../src/facts/extractors/index.js';
import { createSecretsExtractor, secrets } from '../../../../src/facts/extractors/secrets.js';
import type { ImageFacts, SecretFinding } from '../../../../src/facts/image-facts.js';
import { DEFAULT_FINGERPRINT_KEY, fingerprint } from '../../../../src/secrets/redact.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { expandTemplate } from '../../../fixtures/secrets/expand-template.js';
import { pseudoRandom } from '../../../support/seed-images.js';
import type { LayerEntry } from '../../../../src/inspect/types.js';

const NPM_TOKEN = expandTemplate('npm_[[gen::36:alnum]]', 101);
const GH_TOKEN = expandTemplate('ghp_[[gen::36:alnum]]', 102);
const HF_TOKEN = expandTemplate('hf_[[gen::34:alnum]]', 103);
const PEM = expandTemplate('[[pem:RSA PRIVATE KEY]]', 104);
const STRIPE = expandTemplate('sk_live_[[gen::24:alnum]]', 105);
const DOCKER_AUTH = Buffer.from(expandTemplate('builder:[[gen::24:alnum]]', 106)).toString('base64');

async function scan(
  spec: Parameters<typeof buildImage>[0],
  extractor: FactExtractor = secrets as FactExtractor,
): Promise<ImageFacts> {
  const { facts } = await scanBuiltImage(await buildImage(spec), { extractors: [extractor] });
  expectValidFacts(facts);
  return facts;
}

function only(facts: ImageFacts, rule: string): SecretFinding {
  const found = facts.secrets?.findings.filter((f) => f.rule === rule) ?? [];
  expect(
    found,
    `findings of ${rule} in ${JSON.stringify(facts.secrets?.findings.map((f) => f.rule))}`,
  ).toHaveLength(1);
  return found[0];
}

describe('secrets extractor', () => {
  it('is registered, with one check per rule in category Secrets', () => {
    expect(EXTRACTORS).toContain(secrets);
    expect(secrets.checks.length).toBeGreaterThanOrEqual(40);
    for (const check of secrets.checks) {
      expect(check.id).toMatch(/^secret-[a-z0-9-]+$/);
      expect(check.category).toBe('Secrets');
    }
    expect(secrets.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['secret-private-key', 'secret-npmrc-credential', 'secret-docker-config-auth']),
    );
  });

  it('finds a private key that a later layer deleted: evidence says deleted, by which layer, and the step that added it', async () => {
    const image = await buildImage({
      layers: [
        { files: [{ path: 'etc/hostname', content: 'box\n' }] },
        {
          files: [{ path: 'root/.ssh/id_rsa', content: `${PEM}\n`, mode: 0o600 }],
          createdBy: 'COPY id_rsa /root/.ssh/id_rsa # buildkit',
        },
        {
          files: [{ path: 'root/.ssh/id_rsa', type: 'whiteout' }],
          createdBy: 'RUN rm /root/.ssh/id_rsa # buildkit',
        },
      ],
    });
    const { facts } = await scanBuiltImage(image, { extractors: [secrets as FactExtractor] });
    expectValidFacts(facts);
    const key = only(facts, 'private-key');
    expect(key).toMatchObject({ source: 'file', severity: 'high', line: 1, title: 'Private key' });
    expect(key.evidence).toEqual({
      kind: 'file',
      path: '/root/.ssh/id_rsa',
      layer: 1,
      layerDigest: image.layers[1].digest,
      createdBy: 'COPY id_rsa /root/.ssh/id_rsa # buildkit',
      state: 'deleted',
      byLayer: 2,
    });
    const body = PEM.split('\n').slice(1, 4).join('');
    expect(JSON.stringify(facts)).not.toContain(body.slice(0, 40));
    const [finding] = secrets.findings(facts);
    expect(finding).toMatchObject({ check: 'secret-private-key', severity: 'high', category: 'Secrets' });
    expect(finding.message).toMatch(
      /^Private key: .+…\(\d+ chars\) in \/root\/\.ssh\/id_rsa:1 — deleted by layer 2$/,
    );
    expect(finding.evidence).toEqual([key.evidence]);
  });

  it('finds an npm token passed as a build argument in history, by value, once, without copying it anywhere', async () => {
    const step = `|1 NPM_TOKEN=${NPM_TOKEN} /bin/sh -c npm ci`;
    const facts = await scan({
      layers: [
        { files: [{ path: 'app/package.json', content: '{}' }], createdBy: step },
        {
          files: [{ path: 'app/index.js', content: 'console.log(1)\n' }],
          createdBy: `|1 NPM_TOKEN=${NPM_TOKEN} /bin/sh -c npm run build`,
        },
      ],
      emptyLayerHistory: [{ createdBy: 'ARG NPM_TOKEN', afterLayer: -1 }],
    });
    const found = only(facts, 'npm-access-token');
    expect(found).toMatchObject({
      source: 'history',
      key: 'NPM_TOKEN',
      preview: 'npm_…(40 chars)',
      severity: 'critical',
    });
    expect(found.fingerprint).toBe(fingerprint(NPM_TOKEN, DEFAULT_FINGERPRINT_KEY));
    expect(found.evidence).toMatchObject({
      kind: 'history',
      path: 'history[1]',
      layer: 0,
      state: 'present',
      detail: 'build argument or variable NPM_TOKEN',
    });
    expect(found.evidence.createdBy).toBe('|1 NPM_TOKEN=***(40 chars) /bin/sh -c npm ci');
    expect(JSON.stringify(facts)).not.toContain(NPM_TOKEN);
    expect(JSON.stringify(secrets.findings(facts))).not.toContain(NPM_TOKEN);
  });

  it('finds build arguments by name too, in the BuildKit `RUN |N …` form', async () => {
    const facts = await scan({
      layers: [
        {
          files: [{ path: 'a', content: 'x' }],
          createdBy: 'RUN |2 VERSION=1.2 DB_PASSWORD=Tr0ub4dor-and-3 /bin/sh -c make # buildkit',
        },
      ],
    });
    expect(only(facts, 'named-variable')).toMatchObject({
      source: 'history',
      key: 'DB_PASSWORD',
      preview: 'Tr0…(15 chars)',
    });
  });

  it('finds a secret written in a RUN command and scrubs it from the evidence it reports', async () => {
    const facts = await scan({
      layers: [
        {
          files: [{ path: 'a', content: 'x' }],
          createdBy: `/bin/sh -c echo "${GH_TOKEN}" > /tmp/t && rm /tmp/t`,
        },
      ],
    });
    const found = only(facts, 'github-pat');
    expect(found).toMatchObject({ source: 'history', evidence: { detail: 'command text', layer: 0 } });
    expect(JSON.stringify(found)).not.toContain(GH_TOKEN);
    expect(found.evidence.createdBy).toBe('/bin/sh -c echo "ghp_…(40 chars)" > /tmp/t && rm /tmp/t');
  });

  it('finds tokens in ENV values and labels; the facts never hold the values', async () => {
    const facts = await scan({
      layers: [{ files: [{ path: 'a', content: 'x' }] }],
      config: {
        Env: [
          'PATH=/usr/bin',
          `HF_TOKEN=${HF_TOKEN}`,
          'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D',
          'API_TOKEN=',
        ],
        Labels: {
          'org.opencontainers.image.source': 'https://github.com/acme/app',
          'com.acme.stripe': STRIPE,
        },
      },
    });
    expect(only(facts, 'huggingface-token')).toMatchObject({
      source: 'env',
      key: 'HF_TOKEN',
      evidence: { kind: 'config', path: 'Env', state: 'present', detail: 'ENV HF_TOKEN' },
    });
    expect(only(facts, 'stripe-live-key')).toMatchObject({
      source: 'label',
      key: 'com.acme.stripe',
      evidence: { kind: 'config', path: 'Labels' },
    });
    expect(facts.secrets?.findings).toHaveLength(2);
    expect(JSON.stringify(facts)).not.toContain(HF_TOKEN);
    // Labels are copied verbatim into image.labels by the structural facts; this section never holds them.
    expect(JSON.stringify(facts.secrets)).not.toContain(STRIPE);
    expect(secrets.findings(facts).map((f) => f.message)).toEqual(
      expect.arrayContaining([
        'Hugging Face access token: hf_A…(37 chars) in ENV HF_TOKEN'.replace('hf_A', HF_TOKEN.slice(0, 4)),
      ]),
    );
  });

  it('parses credential files anywhere, including node_modules, and marks replaced ones', async () => {
    const image = await buildImage({
      layers: [
        {
          files: [
            {
              path: 'app/node_modules/pkg/.npmrc',
              content: `//registry.example.com/:_authToken=${NPM_TOKEN}\n`,
            },
            {
              path: 'root/.docker/config.json',
              content: JSON.stringify({ auths: { 'registry.example.com': { auth: DOCKER_AUTH } } }),
            },
            { path: 'app/.env', content: `NODE_ENV=production\nSTRIPE_KEY=${STRIPE}\n` },
          ],
        },
        { files: [{ path: 'app/.env', content: 'NODE_ENV=production\n' }], createdBy: 'COPY .env /app/.env' },
      ],
    });
    const { facts } = await scanBuiltImage(image, { extractors: [secrets as FactExtractor] });
    expectValidFacts(facts);
    expect(only(facts, 'npmrc-credential')).toMatchObject({
      key: '//registry.example.com/:_authToken',
      line: 1,
      evidence: { path: '/app/node_modules/pkg/.npmrc', layer: 0, state: 'present' },
    });
    expect(only(facts, 'docker-config-auth')).toMatchObject({
      key: 'auths.registry.example.com.auth',
      evidence: { path: '/root/.docker/config.json' },
    });
    expect(only(facts, 'stripe-live-key')).toMatchObject({
      line: 2,
      evidence: { path: '/app/.env', state: 'replaced', byLayer: 1 },
    });
    expect(JSON.stringify(facts)).not.toContain(DOCKER_AUTH);
  });

  it('scans binaries, files over 1 MiB (streamed) and UTF-16 text; counts skipped types and what it scanned', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    const tool = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\x00'), Buffer.from(GH_TOKEN)]);
    const bigJs = Buffer.concat([Buffer.from(`x\n${GH_TOKEN}\n`), big, Buffer.from(`\nlast=${NPM_TOKEN}\n`)]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`a\nb\nc=${HF_TOKEN}\n`, 'utf16le')]);
    const facts = await scan({
      layers: [
        {
          files: [
            { path: 'usr/bin/tool', content: tool },
            { path: 'app/big.js', content: bigJs },
            { path: 'app/notes.txt', content: utf16 },
            { path: 'app/logo.png', content: GH_TOKEN },
            { path: 'app/empty', content: '' },
          ],
        },
      ],
    });
    expect(facts.secrets?.findings.map((f) => [f.rule, f.evidence.path, f.line ?? null])).toEqual([
      ['github-pat', '/usr/bin/tool', null],
      ['github-pat', '/app/big.js', 2],
      ['npm-access-token', '/app/big.js', 4],
      ['huggingface-token', '/app/notes.txt', 3],
    ]);
    expect(facts.secrets?.skipped).toEqual({
      byType: { files: 1, bytes: GH_TOKEN.length },
      tooLarge: { files: 0, bytes: 0 },
    });
    expect(facts.secrets?.scanned).toEqual({
      textFiles: 1,
      binaryFiles: 1,
      utf16Files: 1,
      streamedFiles: 1,
      bytes: tool.length + bigJs.length + utf16.length,
    });
  });

  it('finds a password in a UTF-16 .env', async () => {
    const password = pseudoRandom('secrets-extractor-utf16-env', 20);
    const env = Buffer.concat([
      Buffer.from([0xfe, 0xff]),
      Buffer.from(`APP=1\r\nDB_PASSWORD=${password}\r\n`, 'utf16le').swap16(),
    ]);
    const facts = await scan({ layers: [{ files: [{ path: 'srv/app/.env', content: env }] }] });
    const finding = only(facts, 'dotenv-secret');
    expect(finding).toMatchObject({ key: 'DB_PASSWORD', line: 2, evidence: { path: '/srv/app/.env' } });
    expect(finding.fingerprint).toBe(fingerprint(password, DEFAULT_FINGERPRINT_KEY));
    expect(facts.secrets?.scanned.utf16Files).toBe(1);
  });

  it('finds an AWS key id compiled into a Go binary over 1 MiB (streamed), glued between other strings', async () => {
    const keyId = `AKIA${pseudoRandom('secrets-extractor-go-binary', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    const elf = readFileSync('/usr/bin/docker-registry');
    const at = Math.floor(elf.length * 0.7);
    const binary = Buffer.concat([
      elf.subarray(0, at),
      Buffer.from(`unexpectedEOF${keyId}readfrom`),
      elf.subarray(at),
    ]);
    const facts = await scan({
      layers: [{ files: [{ path: 'usr/local/bin/app', content: binary, mode: 0o755 }] }],
    });
    const finding = only(facts, 'aws-access-key-id');
    expect(finding.line).toBeUndefined();
    expect(finding.fingerprint).toBe(fingerprint(keyId, DEFAULT_FINGERPRINT_KEY));
    expect(facts.secrets?.scanned).toMatchObject({ binaryFiles: 1, streamedFiles: 1, bytes: binary.length });
  });

  it('records the checksums of a flagged file in the layer result (in memory and streamed), and none for clean files', () => {
    const layer = {
      index: 0,
      digest: 'sha256:' + '0'.repeat(64),
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    };
    const small = Buffer.from(`token=${GH_TOKEN}\n`);
    const large = Buffer.concat([Buffer.alloc(2 * 1024 * 1024, 'b'), Buffer.from(`\nk=${NPM_TOKEN}\n`)]);
    const entry = (path: string, size: number): LayerEntry => ({
      path,
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size,
    });
    const collector = secrets.collect(layer);
    const smallEntry = entry('app/a.txt', small.length);
    expect(secrets.wants(smallEntry)).toEqual({ content: small.length });
    void collector.onEntry(smallEntry, small);
    void collector.onEntry(entry('app/clean.txt', 6), Buffer.from('hello\n'));
    const largeEntry = entry('app/big.log', large.length);
    expect(secrets.wants(largeEntry)).toEqual({ stream: true });
    for (let i = 0; i < large.length; i += 65536)
      collector.onChunk!(largeEntry, large.subarray(i, i + 65536));
    void collector.onEntry(largeEntry, undefined);
    const result = collector.finish();
    const sums = (b: Buffer) => ({
      md5: createHash('md5').update(b).digest('hex'),
      sha1: createHash('sha1').update(b).digest('hex'),
      sha256: createHash('sha256').update(b).digest('hex'),
    });
    expect(result.findings.map((f) => [f.path, f.digests])).toEqual([
      ['app/a.txt', sums(small)],
      ['app/big.log', sums(large)],
    ]);
  });

  it('finds nothing in a clean image', async () => {
    const facts = await scan({
      layers: [
        {
          files: [
            {
              path: 'etc/ssl/certs/ca.pem',
              content: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
            },
            { path: 'app/server', content: 'static binary\n' },
          ],
        },
      ],
      config: { User: '65532', Env: ['PATH=/usr/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca.pem'] },
    });
    expect(facts.secrets?.findings).toEqual([]);
  });

  it('a fingerprint key of its own changes fingerprints and the cache-relevant version', async () => {
    const custom = createSecretsExtractor({ fingerprintKey: 'deployment-key' });
    expect(secrets.version).toBe(3);
    expect(custom.version).not.toBe(secrets.version);
    expect(createSecretsExtractor({ fingerprintKey: 'deployment-key' }).version).toBe(custom.version);
    expect(() => createSecretsExtractor({ fingerprintKey: '' })).toThrow(/must not be empty/);
    const facts = await scan(
      { layers: [{ files: [{ path: 'app/t.txt', content: `${GH_TOKEN}\n` }] }] },
      custom as FactExtractor,
    );
    expect(only(facts, 'github-pat').fingerprint).toBe(fingerprint(GH_TOKEN, 'deployment-key'));
  });
});
