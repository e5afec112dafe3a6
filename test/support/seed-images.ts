import { createHash } from 'node:crypto';
import { buildImage, type BuiltImage, type FileSpec } from './image-builder.js';

/** A stand-in for an ELF executable: the magic bytes and a deterministic body. */
export function fakeElf(name: string, size = 2048): Buffer {
  const body = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(body, 0);
  createHash('sha256').update(name).digest().copy(body, 16);
  return body;
}

/** Deterministic pseudo-random characters from `alphabet` (fixtures must not hold real secrets). */
export function pseudoRandom(
  seed: string,
  length: number,
  alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
): string {
  let out = '';
  let block = Buffer.alloc(0);
  for (let i = 0; out.length < length; i++) {
    if (i % 32 === 0) block = createHash('sha256').update(`${seed}:${i}`).digest();
    out += alphabet[block[i % 32] % alphabet.length];
  }
  return out;
}

/** A live-looking (but fake) Stripe secret key, assembled at run time so no literal token is committed. */
export const SEED_STRIPE_KEY = ['sk', 'live', pseudoRandom('stripe', 24)].join('_');

function dpkgStatus(packages: Array<[name: string, version: string, source?: string]>): string {
  return packages
    .map(([name, version, source]) =>
      [
        `Package: ${name}`,
        'Status: install ok installed',
        'Architecture: amd64',
        ...(source ? [`Source: ${source}`] : []),
        `Version: ${version}`,
        `Description: ${name}`,
        '',
      ].join('\n'),
    )
    .join('\n');
}

const BASE_PACKAGES: Array<[string, string, string?]> = [
  ['base-files', '12.4+deb12u5'],
  ['bash', '5.2.15-2+b2'],
  ['dash', '0.5.12-2'],
  ['dpkg', '1.21.22'],
  ['apt', '2.6.1'],
];
const TOOLCHAIN_PACKAGES: Array<[string, string, string?]> = [
  ['build-essential', '12.9'],
  ['gcc-12', '12.2.0-14', 'gcc-12'],
  ['cpp-12', '12.2.0-14', 'gcc-12'],
  ['libc6-dev', '2.36-9+deb12u4', 'glibc'],
  ['make', '4.3-4.1'],
];

const DEBIAN_BASE: FileSpec[] = [
  {
    path: 'etc/os-release',
    content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
  },
  {
    path: 'etc/passwd',
    content: 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  },
  { path: 'etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
  { path: 'bin/bash', content: fakeElf('bash'), mode: 0o755 },
  { path: 'bin/dash', content: fakeElf('dash'), mode: 0o755 },
  { path: 'bin/sh', type: 'symlink', target: 'dash' },
  { path: 'usr/bin/dpkg', content: fakeElf('dpkg'), mode: 0o755 },
  { path: 'usr/bin/apt', content: fakeElf('apt'), mode: 0o755 },
  { path: 'usr/bin/apt-get', content: fakeElf('apt-get'), mode: 0o755 },
  { path: 'var/lib/dpkg/status', content: dpkgStatus(BASE_PACKAGES) },
];

/**
 * The seed's single-stage Node image: Debian with gcc and make, bash, apt, a node_modules holding
 * devDependencies, a `.env` with a live-looking key, running as root. Every detector has something.
 */
export function buildSingleStageImage(): Promise<BuiltImage> {
  return buildImage({
    format: 'docker',
    layers: [
      { createdBy: '/bin/sh -c #(nop) ADD file:debian-rootfs.tar in / ', files: DEBIAN_BASE },
      {
        createdBy: '/bin/sh -c apt-get update && apt-get install -y build-essential gcc make',
        files: [
          { path: 'var/lib/dpkg/status', content: dpkgStatus([...BASE_PACKAGES, ...TOOLCHAIN_PACKAGES]) },
          { path: 'usr/bin/gcc-12', content: fakeElf('gcc-12'), mode: 0o755 },
          { path: 'usr/bin/gcc', type: 'symlink', target: 'gcc-12' },
          { path: 'usr/bin/cc', type: 'symlink', target: 'gcc' },
          { path: 'usr/bin/make', content: fakeElf('make'), mode: 0o755 },
          {
            path: 'var/lib/apt/lists/registry.example.com_debian_dists_bookworm_InRelease',
            content: 'Origin: Debian\n',
          },
        ],
      },
      {
        createdBy: '/bin/sh -c #(nop) COPY dir:app in /app ',
        files: [
          {
            path: 'app/package.json',
            content: JSON.stringify({
              name: 'seed-app',
              version: '1.0.0',
              dependencies: { express: '^4.19.2' },
              devDependencies: { jest: '^29.7.0', typescript: '^5.4.0' },
            }),
          },
          { path: 'app/node_modules/express/package.json', content: '{"name":"express","version":"4.19.2"}' },
          { path: 'app/node_modules/jest/package.json', content: '{"name":"jest","version":"29.7.0"}' },
          {
            path: 'app/node_modules/typescript/package.json',
            content: '{"name":"typescript","version":"5.4.5"}',
          },
          {
            path: 'app/node_modules/typescript/bin/tsc',
            content: '#!/usr/bin/env node\nrequire("../lib/tsc.js")\n',
            mode: 0o755,
          },
          { path: 'app/node_modules/.bin/tsc', type: 'symlink', target: '../typescript/bin/tsc' },
          { path: 'app/src/index.ts', content: 'export const port = 8080;\n' },
          { path: 'app/dist/index.js', content: 'exports.port = 8080;\n' },
          { path: 'app/test/index.test.js', content: 'test("port", () => {});\n' },
          { path: 'app/.env', content: `NODE_ENV=production\nSTRIPE_SECRET_KEY=${SEED_STRIPE_KEY}\n` },
        ],
      },
    ],
    emptyLayerHistory: [{ createdBy: '/bin/sh -c #(nop)  CMD ["node" "dist/index.js"]', afterLayer: 2 }],
    config: {
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
      Cmd: ['node', 'dist/index.js'],
      WorkingDir: '/app',
    },
  });
}

/** A public certificate bundle stand-in (certificates are not secrets). */
function fakeCertificateBundle(): string {
  const body = pseudoRandom('ca', 640, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const lines = body.match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----', ''].join('\n');
}

/**
 * Its multi-stage counterpart: `FROM scratch`, a static binary, CA certificates, `USER 65532`.
 * Nothing to report.
 */
export function buildMultiStageImage(): Promise<BuiltImage> {
  return buildImage({
    format: 'oci',
    layers: [
      {
        createdBy: 'COPY /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ # buildkit',
        files: [{ path: 'etc/ssl/certs/ca-certificates.crt', content: fakeCertificateBundle() }],
      },
      {
        createdBy: 'COPY /out/server /server # buildkit',
        files: [
          { path: 'server', content: fakeElf('server', 64 * 1024), mode: 0o755, uid: 65532, gid: 65532 },
        ],
      },
    ],
    emptyLayerHistory: [{ createdBy: 'USER 65532:65532', afterLayer: 1 }],
    config: {
      User: '65532:65532',
      Entrypoint: ['/server'],
      Healthcheck: { Test: ['CMD', '/server', '-health'] },
    },
  });
}
