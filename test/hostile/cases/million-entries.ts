import { join } from 'node:path';

import type { HostileCase } from '../hostile-case.js';
import { tinyEntriesTar, writeGzipLayerFile } from '../support/big-layers.js';
import { configBlob, writeLayoutOf } from '../support/raw-images.js';

/**
 * A layer of a million empty files. pushgate keeps one compact row per entry (ARCHITECTURE.md:
 * "a million-file image costs on the order of 100 MB"), so this is the one case allowed past the
 * catalogue's 300 MB bound; its figure is printed in the summary and recorded in the README.
 */
export const millionEntryCases: HostileCase[] = [
  {
    id: 'million-tiny-entries',
    title: 'one layer with 1,000,000 empty files in one directory',
    async build(ctx) {
      const layer = await writeGzipLayerFile(join(ctx.dir, 'million.gz'), tinyEntriesTar(1_000_000));
      const dir = join(ctx.dir, 'layout');
      await writeLayoutOf(
        dir,
        {
          config: configBlob([layer.diffId]),
          layers: [],
          files: [{ digest: layer.digest, path: layer.path }],
        },
        [layer],
      );
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 0 },
    maxRssMb: 600,
    maxSeconds: 180,
    testTimeoutMs: 300_000,
  },
];
