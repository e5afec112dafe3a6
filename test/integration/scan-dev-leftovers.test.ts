import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../src/facts/image-facts.js';
import type { ScanReport } from '../../src/report/scan-report.js';
import { expectValidFacts } from '../support/facts-schema.js';
import { buildImage, type LayerSpec, writeOciLayout } from '../support/image-builder.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { pnpCjs, pnpState } from '../support/yarn-pnp-files.js';

/**
 * Images as their Dockerfiles would build them (Fedora + dnf, pip, an npm app from its project
 * lockfile, a Yarn Plug'n'Play app), written as OCI layouts and scanned by the real CLI with the
 * default policies.
 */
const POLICIES = join(REPO_ROOT, 'policies');
const json = (value: unknown): string => JSON.stringify(value, null, 2);

const NPM_MANIFEST = json({
  name: 'api',
  dependencies: { express: '^4.18.2' },
  devDependencies: { jest: '^29.7.0' },
});
const NPM_LOCK = json({
  name: 'api',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'api', dependencies: { express: '^4.18.2' }, devDependencies: { jest: '^29.7.0' } },
    'node_modules/express': { version: '4.18.2' },
    'node_modules/jest': { version: '29.7.0', dev: true },
    'node_modules/@jest/core': { version: '29.7.0', dev: true },
  },
});
const installed = (name: string, version: string) => ({
  path: `srv/api/node_modules/${name}/package.json`,
  content: json({ name, version }),
});

const JEST_ZIP = 'jest-npm-29.7.0-d8dd095b81-97023d7844.zip';
const EXPRESS_ZIP = 'express-npm-4.18.2-cbbd5c9f1e-3c4b9b0766.zip';
const PNP = pnpCjs(
  pnpState(
    [
      {
        name: null,
        reference: null,
        location: './',
        dependencies: [
          ['express', 'npm:4.18.2'],
          ['jest', 'npm:29.7.0'],
        ],
      },
      {
        name: 'web',
        reference: 'workspace:.',
        location: './',
        dependencies: [
          ['express', 'npm:4.18.2'],
          ['jest', 'npm:29.7.0'],
          ['web', 'workspace:.'],
        ],
      },
      {
        name: 'express',
        reference: 'npm:4.18.2',
        location: `./.yarn/cache/${EXPRESS_ZIP}/node_modules/express/`,
        dependencies: [],
      },
      {
        name: 'jest',
        reference: 'npm:29.7.0',
        location: `./.yarn/cache/${JEST_ZIP}/node_modules/jest/`,
        dependencies: [],
      },
    ],
    [{ name: 'web', reference: 'workspace:.' }],
  ),
);

function layers(omitDev: boolean): LayerSpec[] {
  return [
    { createdBy: 'ADD fedora-rootfs.tar /', files: [{ path: 'etc/os-release', content: 'ID=fedora\n' }] },
    {
      createdBy: 'RUN dnf install -y python3-pip nodejs',
      files: [
        { path: 'var/cache/dnf/fedora-0a1b2c3d/repodata/repomd.xml', content: '<repomd/>' },
        { path: 'var/cache/dnf/fedora-0a1b2c3d/packages/nodejs-20.11.rpm', content: 'rpm payload' },
      ],
    },
    {
      createdBy: 'RUN pip install -r requirements.txt',
      files: [{ path: 'root/.cache/pip/http-v2/0/1/2/3/4/0123abcd', content: 'cached wheel' }],
    },
    {
      createdBy: 'COPY api/package.json api/package-lock.json ./',
      files: [
        { path: 'srv/api/package.json', content: NPM_MANIFEST },
        { path: 'srv/api/package-lock.json', content: NPM_LOCK },
      ],
    },
    {
      // npm 6 writes no hidden lockfile: the project lockfile is the only record.
      createdBy: omitDev ? 'RUN npm ci --omit=dev' : 'RUN npm ci',
      files: [
        installed('express', '4.18.2'),
        ...(omitDev ? [] : [installed('jest', '29.7.0'), installed('@jest/core', '29.7.0')]),
      ],
    },
    {
      createdBy: 'COPY web/ ./ && RUN yarn install --immutable',
      files: [
        {
          path: 'srv/web/package.json',
          content: json({
            name: 'web',
            dependencies: { express: '^4.18.2' },
            devDependencies: { jest: '^29.7.0' },
          }),
        },
        { path: 'srv/web/.pnp.cjs', content: PNP },
        { path: 'srv/web/.pnp.loader.mjs', content: 'export async function resolve() {}\n' },
        { path: `srv/web/.yarn/cache/${EXPRESS_ZIP}`, content: 'PK express' },
        { path: `srv/web/.yarn/cache/${JEST_ZIP}`, content: 'PK jest' },
        { path: 'srv/web/.yarn/install-state.gz', content: 'install state' },
      ],
    },
  ];
}

interface Verdict {
  policies: Array<{ name: string; result: string; violations: Array<{ message: string }> }>;
}

async function scan(layout: string): Promise<{ facts: ImageFacts; verdict: Verdict }> {
  const result = await runCli(['scan', '-f', 'json', '--no-progress', `oci:${layout}`, '--policy', POLICIES]);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as ScanReport & { verdicts: Verdict[] };
  expect(report.platforms).toHaveLength(1);
  const facts = report.platforms[0].facts;
  expectValidFacts(facts);
  return { facts, verdict: report.verdicts[0] };
}

describe('pushgate scan: Yarn PnP, dnf and pip caches, project lockfiles', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let withDev: { facts: ImageFacts; verdict: Verdict };
  let omitted: { facts: ImageFacts; verdict: Verdict };

  beforeAll(async () => {
    dir = await tempDir();
    await Promise.all(
      [false, true].map(async (omitDev) =>
        writeOciLayout(
          join(dir.path, omitDev ? 'omitted' : 'with-dev'),
          await buildImage({ layers: layers(omitDev) }),
        ),
      ),
    );
    withDev = await scan(join(dir.path, 'with-dev'));
    omitted = await scan(join(dir.path, 'omitted'));
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('reports the caches with their bytes and the PnP install state, not the archives PnP runs from', () => {
    for (const { facts } of [withDev, omitted]) {
      expect(
        facts.devDependencies?.leftovers.map((l) => [
          l.kind,
          l.path,
          l.files,
          l.bytes,
          l.evidence[0].createdBy,
        ]),
      ).toEqual([
        [
          'package-cache',
          '/root/.cache/pip',
          1,
          'cached wheel'.length,
          'RUN pip install -r requirements.txt',
        ],
        [
          'package-cache',
          '/srv/web/.yarn/install-state.gz',
          1,
          'install state'.length,
          'COPY web/ ./ && RUN yarn install --immutable',
        ],
        [
          'package-cache',
          '/var/cache/dnf',
          2,
          '<repomd/>'.length + 'rpm payload'.length,
          'RUN dnf install -y python3-pip nodejs',
        ],
      ]);
    }
  });

  it('reads dev packages from the project lockfile only where npm installed them, and PnP dev dependencies', () => {
    const names = (facts: ImageFacts) =>
      facts.devDependencies?.packages.map((p) => [p.ecosystem, p.name, p.version, p.direct, p.reason]);
    expect(names(withDev.facts)).toEqual([
      [
        'npm',
        'jest',
        '29.7.0',
        true,
        'devDependencies of /srv/api/package.json; "dev": true in /srv/api/package-lock.json',
      ],
      ['npm', '@jest/core', '29.7.0', false, '"dev": true in /srv/api/package-lock.json'],
      [
        'yarn',
        'jest',
        '29.7.0',
        true,
        "devDependencies of /srv/web/package.json; linked by Yarn Plug'n'Play (/srv/web/.pnp.cjs)",
      ],
    ]);
    expect(names(omitted.facts)).toEqual([
      [
        'yarn',
        'jest',
        '29.7.0',
        true,
        "devDependencies of /srv/web/package.json; linked by Yarn Plug'n'Play (/srv/web/.pnp.cjs)",
      ],
    ]);
  });

  it('makes the default no-dev-dependencies policy name them', () => {
    const policy = withDev.verdict.policies.find((p) => p.name === 'no-dev-dependencies');
    expect(policy?.result).toBe('fail');
    const messages = policy?.violations.map((v) => v.message).join('\n') ?? '';
    expect(messages).toContain('jest');
    expect(messages).toContain('/var/cache/dnf');
    expect(messages).toContain('/srv/web/.yarn/install-state.gz');
    expect(messages).not.toContain(JEST_ZIP);
  });
});
