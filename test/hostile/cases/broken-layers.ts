import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { HostileCase } from '../hostile-case.js';
import {
  configBlob,
  descriptorOf,
  manifestOf,
  OCI,
  rawBlob,
  sha256,
  writeLayoutOf,
  writeRawOciLayout,
} from '../support/raw-images.js';
import { tarLayer } from '../../support/image-builder.js';

/** Classics that hold: layers that are not what they claim end in exit 3 with the reason's code. */
export const brokenLayerCases: HostileCase[] = [
  {
    id: 'truncated-gzip-layer',
    title: 'a gzip layer cut in half (its digest names the cut bytes) is LAYER_CORRUPT',
    async build(ctx) {
      const tar = await tarLayer([{ path: 'opt/data.bin', content: randomBytes(64 * 1024) }]);
      const gz = gzipSync(tar);
      const dir = join(ctx.dir, 'layout');
      await writeLayoutOf(dir, {
        config: configBlob([sha256(tar)]),
        layers: [rawBlob(OCI.gzip, gz.subarray(0, gz.length >> 1))],
      });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[LAYER_CORRUPT\]/] },
  },
  {
    id: 'zstd-layer-of-garbage',
    title: 'a layer typed +zstd that is random bytes is LAYER_CORRUPT',
    async build(ctx) {
      const garbage = randomBytes(32 * 1024);
      const dir = join(ctx.dir, 'layout');
      await writeLayoutOf(dir, {
        config: configBlob([sha256(garbage)]),
        layers: [rawBlob(OCI.zstd, garbage)],
      });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[LAYER_CORRUPT\]/] },
  },
  {
    id: 'blob-does-not-match-its-digest',
    title: 'a layer blob whose bytes are not the digest it is stored and listed under is DIGEST_MISMATCH',
    async build(ctx) {
      // Same length, other content: only the digest can tell them apart.
      const tar = await tarLayer([{ path: 'etc/motd', content: 'hello\n' }]);
      const swapped = await tarLayer([{ path: 'etc/motd', content: 'evil!\n' }]);
      const real = rawBlob(OCI.tar, tar);
      const config = configBlob([sha256(tar)]);
      const manifest = manifestOf(config, [real]);
      const dir = join(ctx.dir, 'layout');
      await writeRawOciLayout(dir, {
        index: { schemaVersion: 2, mediaType: OCI.index, manifests: [descriptorOf(manifest)] },
        blobs: [manifest, config],
        misnamed: [{ digest: real.digest, data: swapped }],
      });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[DIGEST_MISMATCH\]/] },
  },
];
