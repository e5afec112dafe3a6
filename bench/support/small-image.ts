import { randomBytes } from 'node:crypto';
import { buildImage } from '../../test/support/image-builder.js';
import { fakeElf } from '../../test/support/seed-images.js';

const MiB = 1024 * 1024;

/**
 * A few-MB image the default policies reject: a shell, a compiler, `dataMiB` of incompressible data
 * (so every image has a layer of its own: no layer-cache hit across images) and a file naming
 * `label`, as root.
 */
export function smallImage(label: string, dataMiB = 5) {
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
        files: [{ path: 'data/blob.bin', content: randomBytes(Math.round(dataMiB * MiB)) }],
      },
      { createdBy: 'COPY app /app', files: [{ path: 'app/run.txt', content: `${label}\n` }] },
    ],
    config: { Cmd: ['/bin/sh'] },
  });
}
