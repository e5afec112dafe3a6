import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryWriter } from '../../src/registry/registry-writer.js';
import { digestOf } from '../../src/oci/digest.js';
import { failOnUnhandledErrors } from '../support/fail-on-unhandled-errors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushBlob, pushSimpleImage } from '../support/registry-push.js';

/**
 * A front end for the registry that drops `mount`/`from` from upload starts, so the registry
 * answers 202 (an ordinary upload) as registries without cross-repository mounts do.
 */
async function startMountRefusingProxy(
  upstream: string,
): Promise<{ host: string; posts: string[]; stop(): Promise<void> }> {
  const posts: string[] = [];
  // Streams both ways (nothing buffered here), so a test can measure the client's memory.
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', upstream);
    if (req.method === 'POST') {
      posts.push(url.pathname + url.search);
      url.searchParams.delete('mount');
      url.searchParams.delete('from');
    }
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: url.pathname + url.search,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        const headers = { ...answer.headers };
        if (typeof headers.location === 'string') {
          headers.location = headers.location.replace(upstream, `http://${proxyHost}`);
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (err) => res.writeHead(502).end(String(err)));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const proxyHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host: proxyHost,
    posts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('registry client writes: blob upload and cross-repository mount (real registry)', () => {
  failOnUnhandledErrors();
  let registry: TestRegistry;
  let client: RegistryWriter;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryWriter({
      registry: registry.host,
      plainHttp: true,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('uploads a small blob with POST and a monolithic PUT', async () => {
    const data = Buffer.from('{"hello":"pushgate"}');
    const uploaded = await client.uploadBlob('write/upload', data);
    expect(uploaded).toEqual({ digest: digestOf(data), size: data.length });
    expect(await client.getBlobBuffer('write/upload', uploaded)).toEqual(data);
    // Uploading the same content again is harmless.
    expect(await client.uploadBlob('write/upload', data)).toEqual(uploaded);
  });

  it('refuses blobs above 4 MiB for uploadBlob', async () => {
    await expect(client.uploadBlob('write/upload', Buffer.alloc(4 * 1024 * 1024 + 1))).rejects.toMatchObject({
      code: 'BODY_TOO_LARGE',
    });
  });

  it('mounts a blob from another repository without moving bytes', async () => {
    const blob = await pushBlob(registry, 'write/source', Buffer.from('mount me'));
    const before = await fetch(`${registry.url}/v2/write/target/blobs/${blob.digest}`, { method: 'HEAD' });
    expect(before.status).toBe(404);
    expect(await client.mountBlob('write/target', 'write/source', blob.digest)).toBe('mounted');
    expect(await client.getBlobBuffer('write/target', blob)).toEqual(Buffer.from('mount me'));
  });

  it('fails with REGISTRY_NOT_FOUND when the source has no such blob', async () => {
    const missing = digestOf(Buffer.from('never pushed'));
    await expect(client.mountBlob('write/target', 'write/source', missing)).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
    });
  });

  it('copies the blob when the registry answers the mount with an ordinary upload (202)', async () => {
    const proxy = await startMountRefusingProxy(registry.url);
    const viaProxy = new RegistryWriter({ registry: proxy.host, plainHttp: true, retry: { attempts: 1 } });
    try {
      const image = await pushSimpleImage(registry, 'write/copy-source', 'v1');
      const layer = image.layers[0];
      // Without a size the client learns it with a HEAD on the source.
      expect(await viaProxy.mountBlob('write/copy-target', 'write/copy-source', layer.digest)).toBe('copied');
      expect(
        await viaProxy.mountBlob(
          'write/copy-target',
          'write/copy-source',
          image.config.digest,
          image.config.size,
        ),
      ).toBe('copied');
      expect(proxy.posts[0]).toContain(`mount=${encodeURIComponent(layer.digest)}`);
      expect(proxy.posts[0]).toContain(`from=${encodeURIComponent('write/copy-source')}`);
      expect(await client.getBlobBuffer('write/copy-target', layer)).toEqual(
        await client.getBlobBuffer('write/copy-source', layer),
      );
      expect((await client.getBlobBuffer('write/copy-target', image.config)).length).toBe(image.config.size);
    } finally {
      await viaProxy.close();
      await proxy.stop();
    }
  });

  it('streams a large blob through the copy fallback: memory does not grow with the blob', async () => {
    const proxy = await startMountRefusingProxy(registry.url);
    const viaProxy = new RegistryWriter({ registry: proxy.host, plainHttp: true, retry: { attempts: 1 } });
    try {
      const big = randomBytes(128 * 1024 * 1024);
      const uploaded = await pushBlob(registry, 'write/big-source', big);
      global.gc?.();
      const before = process.memoryUsage().arrayBuffers;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 10);
      try {
        expect(
          await viaProxy.mountBlob('write/big-target', 'write/big-source', uploaded.digest, uploaded.size),
        ).toBe('copied');
      } finally {
        clearInterval(sampler);
      }
      // Buffering would add the whole 128 MiB; streaming holds a few chunks plus garbage not yet collected (measured under 40 MiB).
      console.log(
        `copy fallback: buffer memory grew ${((peak - before) / 2 ** 20).toFixed(1)} MiB for a 128 MiB blob`,
      );
      expect(peak - before).toBeLessThan(80 * 1024 * 1024);
      const head = await fetch(`${registry.url}/v2/write/big-target/blobs/${uploaded.digest}`, {
        method: 'HEAD',
      });
      expect(Number(head.headers.get('content-length'))).toBe(big.length);
    } finally {
      await viaProxy.close();
      await proxy.stop();
    }
  }, 120_000);

  it('reports the registry has no referrers API: no OCI-Subject on a manifest with a subject', async () => {
    const image = await pushSimpleImage(registry, 'write/subject', 'v1');
    const empty = await client.uploadBlob('write/subject', Buffer.from('{}'));
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.pushgate.test+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', ...empty }],
        subject: { mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifest.length },
      }),
    );
    const result = await client.putManifestDetails(
      'write/subject',
      digestOf(artifact),
      artifact,
      'application/vnd.oci.image.manifest.v1+json',
    );
    expect(result).toEqual({ digest: digestOf(artifact) });
  });
});

describe('cross-repository mount with token auth (real registry)', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('asks for push on the target and pull on the source in one token', async () => {
    const client = new RegistryWriter({
      registry: registry.host,
      plainHttp: true,
      credentials: { username: registry.username ?? '', password: registry.password ?? '' },
      allowedHosts: [registry.tokenIssuer?.host ?? ''],
      plainHttpHosts: [registry.tokenIssuer?.host ?? ''],
      retry: { attempts: 1 },
    });
    try {
      const blob = await pushBlob(registry, 'token/source', Buffer.from('mounted with a token'));
      expect(await client.mountBlob('token/target', 'token/source', blob.digest)).toBe('mounted');
      const scopes = registry.tokenIssuer?.requests.flatMap((r) => r.scopes) ?? [];
      expect(scopes.some((s) => /^repository:token\/target:(pull,push|push,pull)$/.test(s))).toBe(true);
      expect(scopes).toContain('repository:token/source:pull');
      expect(await client.getBlobBuffer('token/target', blob)).toEqual(Buffer.from('mounted with a token'));

      // Without pull on the source the registry refuses the whole request.
      registry.tokenIssuer?.setGrant((request) => (request.name === 'token/source' ? [] : request.actions));
      const other = await pushBlob(registry, 'token/source', Buffer.from('not readable'));
      await expect(client.mountBlob('token/other', 'token/source', other.digest)).rejects.toMatchObject({
        code: expect.stringMatching(/^REGISTRY_(AUTH|DENIED)$/),
      });
    } finally {
      await client.close();
    }
  });
});
