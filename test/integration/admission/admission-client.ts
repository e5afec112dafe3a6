import { buildImage, pushImage } from '../../support/image-builder.js';
import { waitForRecord } from '../../support/pushgate-service.js';
import { fakeElf } from '../../support/seed-images.js';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  /** sha256 fingerprint of the certificate the server presented (uppercase, colon-separated). */
  fingerprint256: string;
  ms: number;
}

/**
 * One request over a new TLS connection (no agent: every call handshakes, so it sees the
 * certificate serving now) that trusts only `ca`.
 */
export function httpsRequest(
  url: string,
  options: {
    ca: Buffer;
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Sent in chunks without Content-Length (chunked transfer encoding). */
    chunks?: Buffer[];
  },
): Promise<HttpsAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path}`,
      {
        method: options.method ?? 'POST',
        ca: options.ca,
        agent: false,
        headers: {
          ...(options.body !== undefined
            ? { 'Content-Length': String(Buffer.byteLength(options.body)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        const fingerprint256 = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
            fingerprint256,
            ms: Date.now() - started,
          });
        });
      },
    );
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

/** Fingerprint of the certificate a new connection is served. */
export async function servedFingerprint(url: string, ca: Buffer): Promise<string> {
  const answer = await httpsRequest(url, { ca, method: 'GET', path: '/healthz' });
  return answer.fingerprint256;
}

let counter = 0;

/** An AdmissionReview admission.k8s.io/v1 as the API server sends it for a Pod CREATE. */
export function podReview(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `705ab4f5-6393-11e8-b7cc-42010a8000${String(counter).padStart(2, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: 'web',
      namespace: 'team-a',
      operation: 'CREATE',
      userInfo: { username: 'admin', uid: '014fbff9a07c', groups: ['system:authenticated'] },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'team-a' },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example.com/team/app:1',
              env: [{ name: 'DB_PASSWORD', value: 'hunter2-must-never-be-logged' }],
            },
          ],
        },
      },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...overrides,
    },
  };
}

/**
 * Pushes the two images the admission tests judge — `prod/api:1` (clean, non-root) and
 * `prod/tools:1` (the same with gcc) — and waits until the real workers have judged both.
 */
export async function pushJudgedPair(
  registryUrl: string,
  serviceUrl: string,
  apiToken: string,
): Promise<{ goodDigest: string; badDigest: string }> {
  const server = { path: 'app/server', content: fakeElf('server'), mode: 0o755 };
  const runtime = { User: '65532:65532', Entrypoint: ['/app/server'] };
  const good = await buildImage({ layers: [{ files: [server] }], config: runtime });
  const bad = await buildImage({
    layers: [
      { files: [{ path: 'usr/bin/gcc-12', content: fakeElf('gcc-12'), mode: 0o755 }] },
      { files: [server] },
    ],
    config: runtime,
  });
  const goodDigest = (await pushImage({ url: registryUrl, repository: 'prod/api', tag: '1' }, good)).digest;
  const badDigest = (await pushImage({ url: registryUrl, repository: 'prod/tools', tag: '1' }, bad)).digest;
  await waitForRecord(serviceUrl, apiToken, goodDigest);
  await waitForRecord(serviceUrl, apiToken, badDigest);
  return { goodDigest, badDigest };
}
