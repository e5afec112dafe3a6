import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryWriter } from '../../src/registry/registry-writer.js';
import { referrersTag } from '../../src/registry/registry-reader.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushBlob, pushManifest, pushSimpleImage, type SimpleImage } from '../support/registry-push.js';

/** Tags, delete, put and referrers against CNCF distribution 2.8 without auth. */
describe('registry client operations (real registry)', () => {
  let registry: TestRegistry;
  let client: RegistryWriter;
  let image: SimpleImage;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryWriter({
      registry: registry.host,
      plainHttp: true,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    image = await pushSimpleImage(registry, 'team/app', 'v1');
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('refuses plain HTTP unless asked for', async () => {
    const https = new RegistryWriter({ registry: registry.host, retry: { attempts: 1 } });
    try {
      // Without plainHttp the client speaks TLS to the registry, which answers plain HTTP.
      await expect(https.headManifest('team/app', 'v1')).rejects.toMatchObject({
        code: 'REGISTRY_UNREACHABLE',
      });
    } finally {
      await https.close();
    }
  });

  it('lists tags across pages following Link headers', async () => {
    const tags = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1'];
    const paged = await pushSimpleImage(registry, 'team/paged', tags[0]);
    for (const tag of tags.slice(1))
      await pushManifest(registry, 'team/paged', tag, paged.manifest, paged.mediaType);
    expect((await client.listTags('team/paged')).sort()).toEqual([...tags].sort());

    // distribution 2.8 ignores `n` (tag pagination arrived in 3.0), so a front end pages the real
    // registry's tag list the way the spec describes: sorted, `n` and `last`, relative Link.
    const requests: string[] = [];
    const pager = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        requests.push(url.pathname + url.search);
        const upstream = await fetch(`${registry.url}${url.pathname}`);
        const { name, tags: everything } = (await upstream.json()) as { name: string; tags: string[] };
        const n = Number(url.searchParams.get('n') ?? 1000);
        const last = url.searchParams.get('last');
        const rest = everything.sort().filter((t) => last === null || t > last);
        const page = rest.slice(0, n);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (rest.length > n)
          headers.link = `<${url.pathname}?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
        res.writeHead(200, headers).end(JSON.stringify({ name, tags: page }));
      })();
    });
    await new Promise<void>((resolve) => pager.listen(0, '127.0.0.1', () => resolve()));
    const address = pager.address() as AddressInfo;
    const pagedClient = new RegistryWriter({ registry: `127.0.0.1:${address.port}`, plainHttp: true });
    try {
      expect(await pagedClient.listTags('team/paged', { pageSize: 2 })).toEqual([...tags].sort());
      expect(requests).toEqual([
        '/v2/team/paged/tags/list?n=2',
        '/v2/team/paged/tags/list?n=2&last=a2',
        '/v2/team/paged/tags/list?n=2&last=b2',
        '/v2/team/paged/tags/list?n=2&last=c2',
      ]);
    } finally {
      await pagedClient.close();
      pager.closeAllConnections();
      await new Promise<void>((resolve) => pager.close(() => resolve()));
    }
  });

  it('puts a manifest under a new tag and deletes a manifest', async () => {
    const digest = await client.putManifest('team/app', 'v1-verified', image.manifest, image.mediaType);
    expect(digest).toBe(image.manifestDigest);
    expect(await client.headManifest('team/app', 'v1-verified')).toEqual({
      digest: image.manifestDigest,
      mediaType: image.mediaType,
      size: image.manifest.length,
    });

    const doomed = await pushSimpleImage(registry, 'team/app', 'doomed', { label: 'doomed' });
    await client.deleteManifest('team/app', doomed.manifestDigest);
    await expect(client.getManifest('team/app', doomed.manifestDigest)).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
      message: expect.stringContaining('MANIFEST_UNKNOWN'),
    });
    await expect(client.deleteManifest('team/app', doomed.manifestDigest)).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
    });
  });

  it('names registry, repository and reference in not-found errors', async () => {
    await expect(client.headManifest('team/app', 'missing')).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
      message: expect.stringContaining(`resolve ${registry.host}/team/app:missing: HTTP 404`),
    });
    await expect(client.getManifest('team/nothing', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
      message: expect.stringContaining(`pull manifest ${registry.host}/team/nothing:v1: HTTP 404 (`),
    });
  });

  it('caps config blobs read whole', async () => {
    await expect(
      client.getBlobBuffer('team/app', { digest: image.config.digest, size: image.config.size }, 10),
    ).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    const config = await client.getBlobBuffer('team/app', image.config);
    expect(JSON.parse(config.toString()).rootfs.diff_ids).toHaveLength(1);
  });

  it('finds referrers through the fallback tag when the registry has no referrers API', async () => {
    const empty = await pushBlob(registry, 'team/app', Buffer.from('{}'));
    const sbomLayer = await pushBlob(registry, 'team/app', Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
    const subject = { mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifest.length };
    const artifact = (artifactType: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
          layers: [{ mediaType: 'application/spdx+json', ...sbomLayer }],
          subject,
        }),
      );
    const sbom = artifact('application/spdx+json');
    const sig = artifact('application/vnd.dev.cosign.artifact.sig.v1+json');
    const sbomDigest = await pushManifest(
      registry,
      'team/app',
      'sbom',
      sbom,
      'application/vnd.oci.image.manifest.v1+json',
    );
    const sigDigest = await pushManifest(
      registry,
      'team/app',
      'sig',
      sig,
      'application/vnd.oci.image.manifest.v1+json',
    );

    // Nothing under the fallback tag yet: an empty list, not an error.
    expect(await client.referrers('team/app', image.manifestDigest)).toEqual({ manifests: [], via: 'tag' });

    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sbomDigest,
          size: sbom.length,
          artifactType: 'application/spdx+json',
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sigDigest,
          size: sig.length,
          artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        },
      ],
    };
    await pushManifest(
      registry,
      'team/app',
      referrersTag(image.manifestDigest),
      JSON.stringify(index),
      'application/vnd.oci.image.index.v1+json',
    );
    const all = await client.referrers('team/app', image.manifestDigest);
    expect(all.via).toBe('tag');
    expect(all.manifests.map((m) => m.digest)).toEqual([sbomDigest, sigDigest]);
    const sboms = await client.referrers('team/app', image.manifestDigest, 'application/spdx+json');
    expect(sboms.manifests.map((m) => m.digest)).toEqual([sbomDigest]);
  });
});
