/**
 * Media types the builder writes. Kept here rather than imported from src/ so test support does
 * not depend on the code under test.
 */
export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  inToto: 'application/vnd.in-toto+json',
} as const;

export type Compression = 'gzip' | 'zstd' | 'none';

export function layerMediaType(format: 'oci' | 'docker', compression: Compression): string {
  if (format === 'oci') {
    const base = 'application/vnd.oci.image.layer.v1.tar';
    return compression === 'none' ? base : `${base}+${compression}`;
  }
  const base = 'application/vnd.docker.image.rootfs.diff.tar';
  return compression === 'none' ? base : `${base}.${compression}`;
}
