import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../src/facts/gather-facts.js';
import { MemoryLayerCache } from '../../src/facts/layer-cache.js';
import { openImageSource } from '../../src/image/open-image-source.js';
import {
  buildImage,
  pushImage,
  writeDockerArchive,
  writeOciLayout,
  type BuiltImage,
} from '../support/image-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';

const WRONG = `sha256:${'d1'.repeat(32)}`;

/** Three layers, one per compression; `wrongLayer` gets a diff_id that is not its content's. */
function build(wrongLayer?: number | 'drop'): Promise<BuiltImage> {
  return buildImage({
    layers: [
      { compression: 'gzip', files: [{ path: 'etc/os-release', content: 'ID=alpine\n' }] },
      { compression: 'zstd', files: [{ path: 'app/main', content: Buffer.alloc(20_000, 5), mode: 0o755 }] },
      { compression: 'none', files: [{ path: 'app/README', content: 'hello\n' }] },
    ],
    ...(wrongLayer === undefined
      ? {}
      : {
          rawConfig: (config) => {
            const rootfs = config.rootfs as { diff_ids: string[] };
            if (wrongLayer === 'drop') rootfs.diff_ids.pop();
            else rootfs.diff_ids[wrongLayer] = WRONG;
            return config;
          },
        }),
  });
}

/**
 * The two calls `docker://` makes (inspect, save) answered from a prepared archive: a real engine
 * verifies diff_ids when it loads an image, so only a hostile or broken one serves a wrong one.
 */
async function fakeEngine(
  socketPath: string,
  archives: Map<string, { file: string; id: string }>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://engine').pathname).replace(
      /^\/v[\d.]+/,
      '',
    );
    const inspect = /^\/images\/(.+)\/json$/.exec(path);
    const save = /^\/images\/(.+)\/get$/.exec(path);
    const name = inspect?.[1] ?? save?.[1];
    const image = [...archives].find(([n, a]) => n === name || a.id === name)?.[1];
    if (image === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such image"}');
    } else if (inspect) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Id: image.id, RepoTags: [], RepoDigests: [] }));
    } else {
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      createReadStream(image.file).pipe(res);
    }
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

describe('diff_ids are verified from every source', () => {
  let registry: TestRegistry;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let engine: Server;
  const socket = (): string => join(dir.path, 'docker.sock');
  const images = new Map<string, BuiltImage>();
  const references = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    [registry, dir] = await Promise.all([startRegistry(), tempDir()]);
    images.set('good', await build());
    images.set('gzip', await build(0));
    images.set('zstd', await build(1));
    images.set('short', await build('drop'));
    const archives = new Map<string, { file: string; id: string }>();
    for (const [name, image] of images) {
      await pushImage({ url: registry.url, repository: `diff/${name}`, tag: '1' }, image);
      const archive = join(dir.path, `${name}.tar`);
      // Layers kept compressed: a decompressed layer.tar's digest is its diff_id, checked anyway.
      await writeDockerArchive(archive, image, [], { keepCompression: true });
      await writeOciLayout(join(dir.path, `${name}-layout`), image);
      archives.set(`diff/${name}:1`, { file: archive, id: image.config.digest });
      references.set(name, {
        registry: `${registry.host}/diff/${name}:1`,
        docker: `docker://diff/${name}:1`,
        'docker-archive': `docker-archive:${archive}`,
        oci: `oci:${join(dir.path, `${name}-layout`)}`,
      });
    }
    engine = await fakeEngine(socket(), archives);
  });

  afterAll(async () => {
    await new Promise((resolve) => engine?.close(resolve));
    await Promise.allSettled([registry?.stop(), dir?.remove()]);
  });

  const scan = (reference: string) =>
    runCli(['scan', '--plain-http', '--no-progress', '-f', 'json', reference], {
      DOCKER_HOST: `unix://${socket()}`,
    });

  for (const source of ['registry', 'docker', 'docker-archive', 'oci']) {
    it(`${source}: a wrong diff_id for a gzip or zstd layer is DIGEST_MISMATCH (exit 3) naming the layer and both digests`, async () => {
      for (const [name, layer] of [
        ['gzip', 0],
        ['zstd', 1],
      ] as const) {
        const result = await scan(references.get(name)![source]);
        expect(result.code, `${name}: ${result.stderr}`).toBe(3);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain('[DIGEST_MISMATCH]');
        expect(result.stderr).toContain(`rootfs.diff_ids[${layer}] says ${WRONG}`);
        expect(result.stderr).toContain(
          `uncompressed content digest is ${images.get(name)!.layers[layer].diffId}`,
        );
        expect(result.stderr).toContain(`layer ${layer} (`);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
    });

    it(`${source}: the same image with the right diff_ids scans`, async () => {
      const result = await scan(references.get('good')![source]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as {
        platforms: Array<{ facts: { layers: Array<{ diffId?: string }> } }>;
      };
      expect(report.platforms[0].facts.layers.map((l) => l.diffId)).toEqual(
        images.get('good')!.layers.map((l) => l.diffId),
      );
    });
  }

  it('a config with fewer diff_ids than layers is refused by every source (exit 3)', async () => {
    const expected: Record<string, string> = {
      registry: 'MANIFEST_INVALID',
      oci: 'MANIFEST_INVALID',
      // docker save archives list layers in manifest.json: that list and the config disagree.
      'docker-archive': 'ARCHIVE_INVALID',
      docker: 'ARCHIVE_INVALID',
    };
    for (const [source, code] of Object.entries(expected)) {
      const result = await scan(references.get('short')![source]);
      expect(result.code, `${source}: ${result.stderr}`).toBe(3);
      expect(result.stderr, source).toContain(`[${code}]`);
      expect(result.stderr, source).toMatch(/3 layers but (its|the) config has 2 diff_ids/);
    }
  });

  it('a layer cached under its right diff_id is read again, and refused, for an image that gives it another', async () => {
    const cache = new MemoryLayerCache();
    const read = async (name: string) => {
      const source = await openImageSource(references.get(name)!.oci);
      try {
        return await gatherFacts(await source.resolve(), { cache });
      } finally {
        await source.close();
      }
    };
    const [good] = await read('good');
    expect(good.stats).toMatchObject({ layersRead: 3, layersCached: 0 });
    // Same blobs (the config differs only in diff_ids[1]): the other two layers come from the cache.
    await expect(read('zstd')).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: expect.stringContaining(`rootfs.diff_ids[1] says ${WRONG}`),
    });
    const [again] = await read('good');
    expect(again.stats).toMatchObject({ layersRead: 0, layersCached: 3 });
  });
});
