import { fileURLToPath } from 'node:url';
import { defaultCacheDir, ensurePushgateImage, type BuiltPushgateImage } from '../../image/build-image.js';
import { startDockerd, type Dockerd } from './dockerd.js';

/**
 * pushgate's own image (the Dockerfile at the root) in a test engine, as `pushgate:dev`. The first
 * call on a machine builds the stand-in bases and the image (minutes); the image is then kept in
 * the image cache (~/.cache/pushgate-image, or $PUSHGATE_IMAGE_CACHE) under a hash of the
 * Dockerfile, the sources and the bases, so every later engine with the same inputs only loads it.
 */
export async function pushgateImage(dockerd: Dockerd): Promise<BuiltPushgateImage> {
  return ensurePushgateImage({
    docker: dockerd.cli,
    keepInCache: true,
    cacheDir: defaultCacheDir(process.env),
    log: (line) => console.info(`pushgate image: ${line}`),
  });
}

/**
 * `tsx test/support/pushgate-image.ts`: builds the image into the cache in a private engine, so
 * that .ci/run pays for it in a step of its own (timed in the log) and the tests only load it.
 */
async function main(): Promise<void> {
  const dockerd = await startDockerd();
  try {
    const built = await pushgateImage(dockerd);
    const size = (await dockerd.cli(['image', 'inspect', '--format', '{{.Size}}', built.tag])).stdout.trim();
    console.info(
      `pushgate image: ${built.hashTag} ${built.how} in ${built.seconds} s, ${(Number(size) / 1e6).toFixed(0)} MB`,
    );
  } finally {
    await dockerd.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(`pushgate image: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
