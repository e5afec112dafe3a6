import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAdmissionServer,
  type RunningAdmissionServer,
} from '../../../src/admission/admission-server.js';
import { readTlsPair, validateTlsPair } from '../../../src/admission/tls-pair.js';
import type { AdmissionDecider } from '../../../src/admission/types.js';
import type { AdmissionConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/logger.js';
import {
  createTestCa,
  issueServerPair,
  SecretVolume,
  type IssuedPair,
  type TestCa,
} from '../../support/test-ca.js';
import { tempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import { httpsRequest, podReview, servedFingerprint } from './admission-client.js';

const allowAll: AdmissionDecider = {
  validate: () => Promise.resolve({ allowed: true }),
  mutate: () => Promise.resolve({ allowed: true }),
};

function config(tls: { certFile: string; keyFile: string }, pollIntervalMs: number): AdmissionConfig {
  return {
    enabled: true,
    port: 0,
    host: '127.0.0.1',
    tls: { ...tls, pollIntervalMs },
    mode: 'enforce',
    maxBodyBytes: 4 * 1024 * 1024,
    deadlineMs: 1000,
    errorVerdicts: 'deny',
    unknownImages: 'deny',
    unconfiguredRegistries: 'deny',
    onUnavailable: 'deny',
    exemptNamespaces: [],
    exemptImages: [],
    mutate: { enabled: false },
    protectAdmittedDays: 30,
  };
}

const fingerprint = (pair: IssuedPair): string => new X509Certificate(pair.cert).fingerprint256;

let dir: { path: string; remove(): Promise<void> };
let ca: TestCa;
let first: IssuedPair;
let second: IssuedPair;
let third: IssuedPair;
let expired: IssuedPair;

beforeAll(async () => {
  dir = await tempDir('pushgate-admission-tls-');
  ca = await createTestCa(join(dir.path, 'ca'));
  const certs = join(dir.path, 'certs');
  first = await issueServerPair(ca, certs, 'first');
  second = await issueServerPair(ca, certs, 'second');
  third = await issueServerPair(ca, certs, 'third');
  expired = await issueServerPair(ca, certs, 'expired', {
    window: { notBefore: '20200101000000Z', notAfter: '20200102000000Z' },
  });
});

afterAll(async () => {
  await dir?.remove();
});

describe('admission certificate rotation', () => {
  const lines: string[] = [];
  const logger = createLogger(
    { level: 'info' },
    {},
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  );
  let volume: SecretVolume;
  let admission: RunningAdmissionServer;
  const warnings = (): string[] =>
    lines
      .map((l) => JSON.parse(l) as { level: number; err?: string })
      .filter((l) => l.level === 40)
      .map((l) => l.err ?? '');

  beforeAll(async () => {
    volume = new SecretVolume(join(dir.path, 'secret-volume'));
    await volume.init(first.cert, first.key);
    admission = await startAdmissionServer(
      config({ certFile: volume.certFile, keyFile: volume.keyFile }, 100),
      allowAll,
      logger,
    );
  });
  afterAll(async () => {
    await admission?.close();
  });

  it('serves the pair it started with', async () => {
    expect(await servedFingerprint(admission.url, ca.cert)).toBe(fingerprint(first));
  });

  it('picks up a pair swapped in through ..data, as the kubelet does, on a new connection and without restart', async () => {
    await volume.swap(second.cert, second.key);
    // The poller finds it on its own (no explicit reload): within a few poll intervals.
    await waitFor(
      'the second certificate to be served',
      async () => (await servedFingerprint(admission.url, ca.cert)) === fingerprint(second),
      5000,
    );
    const review = await httpsRequest(admission.url, {
      ca: ca.cert,
      path: '/admission/validate',
      body: JSON.stringify(podReview()),
      headers: { 'Content-Type': 'application/json' },
    });
    expect([review.status, review.fingerprint256]).toEqual([200, fingerprint(second)]);
  });

  it('refuses a pair whose key is not the certificate’s, keeps serving the old one, and warns once', async () => {
    await volume.swap(third.cert, first.key);
    expect(await admission.reloadCertificate()).toBe('refused');
    // Several polls later, still refused and still one warning for this content.
    await new Promise((r) => setTimeout(r, 350));
    expect(await servedFingerprint(admission.url, ca.cert)).toBe(fingerprint(second));
    expect(warnings().filter((w) => w.includes('the key does not belong to the certificate'))).toHaveLength(
      1,
    );
  });

  it('refuses an expired certificate and one that is not PEM', async () => {
    await volume.swap(expired.cert, expired.key);
    expect(await admission.reloadCertificate()).toBe('refused');
    expect(await servedFingerprint(admission.url, ca.cert)).toBe(fingerprint(second));
    expect(warnings().some((w) => w.includes('the certificate expired on 2020-01-02T00:00:00.000Z'))).toBe(
      true,
    );

    await volume.swap(Buffer.from('-----BEGIN CERTIFICATE-----\nnot base64\n'), third.key);
    expect(await admission.reloadCertificate()).toBe('refused');
    expect(await servedFingerprint(admission.url, ca.cert)).toBe(fingerprint(second));
    expect(warnings().some((w) => w.includes('the certificate is not a PEM X.509 certificate'))).toBe(true);
  });

  it('takes the next valid pair after refusing bad ones', async () => {
    await volume.swap(third.cert, third.key);
    await waitFor(
      'the third certificate to be served',
      async () => (await servedFingerprint(admission.url, ca.cert)) === fingerprint(third),
      5000,
    );
    expect(await admission.reloadCertificate()).toBe('unchanged');
  });
});

describe('admission certificate at startup', () => {
  const logger = createLogger({ level: 'silent' });

  it('refuses to start on a mismatched, expired or missing pair, naming the problem', async () => {
    await expect(
      startAdmissionServer(
        config({ certFile: first.certFile, keyFile: second.keyFile }, 1000),
        allowAll,
        logger,
      ),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'admission.tls: the key does not belong to the certificate (subject CN=first)',
    });
    await expect(
      startAdmissionServer(
        config({ certFile: expired.certFile, keyFile: expired.keyFile }, 1000),
        allowAll,
        logger,
      ),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'admission.tls: the certificate expired on 2020-01-02T00:00:00.000Z',
    });
    await expect(
      startAdmissionServer(
        config({ certFile: join(dir.path, 'absent.crt'), keyFile: first.keyFile }, 1000),
        allowAll,
        logger,
      ),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `admission.tls.certFile: cannot read ${join(dir.path, 'absent.crt')}: ENOENT`,
    });
  });

  it('checks validity against the clock: a pair not valid yet is refused', async () => {
    const pair = await readTlsPair({ certFile: first.certFile, keyFile: first.keyFile });
    expect(() => validateTlsPair(pair, new Date(Date.now() - 7 * 86_400_000))).toThrow(
      /^admission\.tls: the certificate is not valid before /,
    );
    expect(validateTlsPair(pair)).toMatchObject({ subject: 'CN=first', fingerprint256: fingerprint(first) });
  });
});
