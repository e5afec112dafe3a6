import { join } from 'node:path';

import type { HostileCase } from '../hostile-case.js';
import {
  configBlob,
  rawBlob,
  OCI,
  sha256,
  writeLayoutOf,
  writeRawDockerArchive,
} from '../support/raw-images.js';
import { TINY_LAYER } from '../support/image-parts.js';
import { tarLayer } from '../../support/image-builder.js';
import { gzipSync } from 'node:zlib';

/**
 * Issue 9, hole 5: a compressed layer whose uncompressed content does not match the config's
 * diff_id. The layer digest is right (it is computed from the bytes), so only the diff_id check
 * can notice; every source must make it (exit 3, DIGEST_MISMATCH).
 */
async function wrongDiffIdLayer(): Promise<{ gz: Buffer; wrongDiffId: string }> {
  const tar = await tarLayer(TINY_LAYER);
  return { gz: gzipSync(tar), wrongDiffId: sha256(Buffer.concat([tar, Buffer.from('not this layer')])) };
}

export const unverifiedDiffIdCases: HostileCase[] = [
  {
    id: 'wrong-diff-id-gzip-archive',
    hole: '5',
    title: 'docker-archive with a gzip layer.tar whose diff_id is wrong',
    async build(ctx) {
      const { gz, wrongDiffId } = await wrongDiffIdLayer();
      const file = join(ctx.dir, 'image.tar');
      await writeRawDockerArchive(file, { config: configBlob([wrongDiffId]).data, layers: [gz] });
      return { args: ['scan', `docker-archive:${file}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[DIGEST_MISMATCH\]/] },
  },
  {
    id: 'wrong-diff-id-gzip-oci',
    hole: '5',
    title: 'OCI layout with a gzip layer whose diff_id is wrong',
    async build(ctx) {
      const { gz, wrongDiffId } = await wrongDiffIdLayer();
      const dir = join(ctx.dir, 'layout');
      await writeLayoutOf(dir, { config: configBlob([wrongDiffId]), layers: [rawBlob(OCI.gzip, gz)] });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[DIGEST_MISMATCH\]/] },
  },
];
