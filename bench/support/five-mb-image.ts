import { randomBytes } from 'node:crypto';
import { buildImage, type BuiltImage } from '../../test/support/image-builder.js';
import { fakeElf } from '../../test/support/seed-images.js';

/**
 * About 5 MB compressed: a shell, a compiler and 5 MiB of incompressible data, as root. `run`
 * goes into a small last layer, so each run's image has its own digest.
 */
export function buildFiveMbImage(run: number): Promise<BuiltImage> {
  return buildImage({
    format: 'oci',
    layers: [
      {
        createdBy: 'ADD rootfs.tar /',
        files: [
          { path: 'bin/sh', content: fakeElf('dash', 64 * 1024), mode: 0o755 },
          { path: 'usr/bin/gcc', content: fakeElf('gcc', 128 * 1024), mode: 0o755 },
        ],
      },
      {
        createdBy: 'COPY data /data',
        files: [{ path: 'data/blob.bin', content: randomBytes(5 * 1024 * 1024) }],
      },
      { createdBy: 'COPY app /app', files: [{ path: 'app/run.txt', content: `run ${run}\n` }] },
    ],
    config: { Cmd: ['/bin/sh'] },
  });
}
