/**
 * Builds OCI / Docker images in memory for tests, and pushes or writes them where pushgate reads
 * images from (registry, `docker save` archive, OCI layout). It never imports the code under test.
 */
export type {
  BuiltBlob,
  BuiltImage,
  BuiltIndex,
  BuiltLayer,
  FileSpec,
  ImageSpec,
  LayerSpec,
  PushTarget,
} from './image-builder/types.js';
export { tarLayer } from './image-builder/tar-layer.js';
export { buildImage } from './image-builder/build-image.js';
export { buildIndex } from './image-builder/build-index.js';
export { pushImage } from './image-builder/push-image.js';
export { writeDockerArchive } from './image-builder/write-docker-archive.js';
export { writeOciLayout } from './image-builder/write-oci-layout.js';
