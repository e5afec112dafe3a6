import { join } from 'node:path';

import type { HostileCase } from '../hostile-case.js';
import { archiveOf, gccAndAwsKey, TINY_LAYER } from '../support/image-parts.js';
import { writeRawDockerArchive, writeRawOciLayout } from '../support/raw-images.js';
import { buildImage } from '../../support/image-builder.js';
import { decompressLayer } from '../../support/image-builder/compress-layer.js';

/**
 * Issue 9, hole 2: strings from an image or a user reach the terminal escaped. The catalogue's
 * generic check (no C0/C1 control, no DEL, no bidi override in stdout or stderr) is the assertion;
 * these cases only put the escapes where an image or a user can.
 */
const CLEAR_AND_FAKE_PASS = '\u001b[2J\u001b[H\u001b[32mNo findings. Decision PASS\u001b[0m';
const HIDE = '\u001b[8m';
const CSI_C1 = '\u009b31m';
const RLO = '\u202e';
const LRI = '\u2066';
const TITLE = '\u001b]0;pwned\u0007';

const hostileConfig = (config: Record<string, unknown>): Record<string, unknown> => {
  config.architecture = `amd64${CLEAR_AND_FAKE_PASS}`;
  config.variant = `v8${RLO}`;
  config.created = `2024-01-01T00:00:00Z${TITLE}`;
  config.history = [{ created: '2024-01-01T00:00:00Z', created_by: `RUN make ${HIDE}&& curl evil${CSI_C1}` }];
  Object.assign(config.config as Record<string, unknown>, {
    ExposedPorts: { [`80/tcp${CLEAR_AND_FAKE_PASS}`]: {} },
    Labels: { [`org.example${LRI}.title`]: `app${CSI_C1}${RLO}`, description: `ok\u007f${HIDE}` },
    Env: [`GREETING${HIDE}=hello`],
    User: `app${CLEAR_AND_FAKE_PASS}`,
    WorkingDir: `/srv${RLO}`,
    Entrypoint: [`/bin/app${TITLE}`],
  });
  return config;
};

async function hostileArchive(dir: string, id: string): Promise<string> {
  return archiveOf(dir, { layers: [{ files: gccAndAwsKey(id) }], config: {}, rawConfig: hostileConfig }, [
    'prod/app:1',
  ]);
}

function configCase(id: string, title: string, format?: 'json' | 'sarif'): HostileCase {
  return {
    id,
    hole: '2',
    title,
    async build(ctx) {
      const file = await hostileArchive(ctx.dir, id);
      return {
        // The reference goes first: --policy takes every argument after it.
        args: [
          'scan',
          ...(format ? ['--format', format] : []),
          `docker-archive:${file}:prod/app:1`,
          '--policy',
          'policies/',
        ],
      };
    },
    // gcc and an AWS key under prod/**: the verdict is reject whatever the escapes try to draw.
    expect: { exit: 1, ...(format ? { stdoutIsJson: true } : {}) },
  };
}

export const terminalEscapeCases: HostileCase[] = [
  configCase(
    'escapes-in-config-table',
    'ESC/C1/bidi in architecture, variant, created, ports, labels, env, user, history (table + verdicts)',
  ),
  configCase(
    'escapes-in-config-json',
    'the same config as JSON: valid JSON, control characters escaped',
    'json',
  ),
  configCase(
    'escapes-in-config-sarif',
    'the same config as SARIF: valid JSON, control characters escaped',
    'sarif',
  ),
  {
    id: 'escapes-in-platform-error',
    hole: '2',
    title: 'PLATFORM_NOT_FOUND lists an architecture that clears the screen',
    async build(ctx) {
      const file = await hostileArchive(ctx.dir, 'escapes-in-platform-error');
      return { args: ['scan', '--platform', 'linux/arm64', `docker-archive:${file}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[PLATFORM_NOT_FOUND\]/] },
  },
  {
    id: 'escapes-in-archive-layer-name',
    hole: '2',
    title: 'ARCHIVE_INVALID names a manifest.json layer file that is not in the archive',
    async build(ctx) {
      const image = await buildImage({ layers: [{ files: TINY_LAYER }] });
      const file = join(ctx.dir, 'image.tar');
      await writeRawDockerArchive(file, {
        config: image.config.data,
        layers: [decompressLayer(image.layers[0].data, image.layers[0].mediaType)],
        listedLayers: [`layer0/${CLEAR_AND_FAKE_PASS}${RLO}.tar`],
      });
      return { args: ['scan', `docker-archive:${file}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[ARCHIVE_INVALID\]/] },
  },
  {
    id: 'escapes-in-repo-tags',
    hole: '2',
    title: 'an unknown image selector lists RepoTags that carry escapes',
    async build(ctx) {
      const image = await buildImage({ layers: [{ files: TINY_LAYER }] });
      const file = join(ctx.dir, 'image.tar');
      await writeRawDockerArchive(file, {
        config: image.config.data,
        layers: [decompressLayer(image.layers[0].data, image.layers[0].mediaType)],
        repoTags: [`prod/app:1${CLEAR_AND_FAKE_PASS}`, `prod/app${RLO}:2`],
      });
      return { args: ['scan', `docker-archive:${file}:other/app:1`] };
    },
    expect: { exit: 3, stderrMatches: [/\[ARCHIVE_INVALID\]/] },
  },
  {
    id: 'escapes-in-reference',
    hole: '2',
    title: 'a reference typed with escapes is quoted escaped in the usage error',
    async build() {
      return { args: ['scan', `registry.example.com/app${CLEAR_AND_FAKE_PASS}:1`] };
    },
    expect: { exit: 2 },
  },
  {
    id: 'escapes-in-archive-path',
    hole: '2',
    title: 'a missing archive path with escapes is quoted escaped',
    async build(ctx) {
      return { args: ['scan', `docker-archive:${ctx.dir}/no${CLEAR_AND_FAKE_PASS}${RLO}.tar`] };
    },
    expect: { exit: 3, stderrMatches: [/\[ARCHIVE_INVALID\]/] },
  },
  {
    id: 'escapes-in-json-parse-error',
    hole: '2',
    title: "a JSON parse error quoting the image's own bytes (index.json with escapes)",
    async build(ctx) {
      const dir = join(ctx.dir, 'layout');
      await writeRawOciLayout(dir, { index: Buffer.from(`${CLEAR_AND_FAKE_PASS} not json${RLO}`) });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[MANIFEST_INVALID\]/] },
  },
];
