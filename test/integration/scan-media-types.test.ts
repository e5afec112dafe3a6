import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../src/facts/gather-facts.js';
import { openImageSource } from '../../src/image/open-image-source.js';
import { expectValidFacts } from '../support/facts-schema.js';
import { buildImage, pushImage, type BuiltImage } from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const FORMATS = ['oci', 'docker'] as const;
const COMPRESSIONS = ['gzip', 'zstd', 'none'] as const;

describe('every manifest format and layer compression from a registry', () => {
  let registry: TestRegistry;
  const images = new Map<string, BuiltImage>();

  beforeAll(async () => {
    registry = await startRegistry();
    for (const format of FORMATS) {
      for (const compression of COMPRESSIONS) {
        const image = await buildImage({
          format,
          layers: [
            {
              compression,
              files: [
                { path: 'etc/os-release', content: 'ID=debian\n' },
                { path: `data/${compression}.bin`, content: Buffer.alloc(100_000, 9) },
              ],
            },
            { compression, files: [{ path: 'data/extra', content: 'x' }] },
          ],
        });
        images.set(`${format}-${compression}`, image);
        await pushImage(
          { url: registry.url, repository: 'media/app', tag: `${format}-${compression}` },
          image,
        );
      }
    }
  });

  afterAll(async () => {
    await registry?.stop();
  });

  for (const format of FORMATS) {
    for (const compression of COMPRESSIONS) {
      it(`reads ${format} manifests with ${compression} layers`, async () => {
        const image = images.get(`${format}-${compression}`)!;
        const source = await openImageSource(`${registry.host}/media/app:${format}-${compression}`, {
          plainHttp: true,
        });
        try {
          const [result] = await gatherFacts(await source.resolve());
          expectValidFacts(result.facts);
          expect(result.manifestDigest).toBe(image.manifest.digest);
          expect(result.facts.layers.map((l) => l.mediaType)).toEqual(image.layers.map((l) => l.mediaType));
          expect(result.facts.layers.map((l) => l.diffId)).toEqual(image.layers.map((l) => l.diffId));
          expect(result.facts.layers.map((l) => l.uncompressedSize)).toEqual(
            image.layers.map((l) => l.uncompressedSize),
          );
          expect(result.facts.layers.map((l) => l.compressedSize)).toEqual(image.layers.map((l) => l.size));
          expect(result.facts.totals.finalBytes).toBe(100_000 + 'ID=debian\n'.length + 1);
          expect(result.facts.os?.id).toBe('debian');
        } finally {
          await source.close();
        }
      });
    }
  }
});
