import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/registry-client.js';
import { digestOf } from '../../src/registry/digest.js';
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
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', upstream);
      if (req.method === 'POST') {
        posts.push(url.pathname + url.search);
        url.searchParams.delete('mount');
        url.searchParams.delete('from');
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers[name] = value;
      }
      const answer = await fetch(url, {
        method: req.method,
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        redirect: 'manual',
      });
      const body = Buffer.from(await answer.arrayBuffer());
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        // A HEAD answer's Content-Length is the blob's size; other bodies are re-framed here.
        if (name === 'content-length' && req.method !== 'HEAD') return;
        if (name === 'transfer-encoding' || name === 'connection') return;
        out[name] = name === 'location' ? value.replace(upstream, `http://${proxyHost}`) : value;
      });
      res.writeHead(answer.status, out).end(req.method === 'HEAD' ? undefined : body);
    })().catch((err: unknown) => {
      res.writeHead(502).end(String(err));
    });
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
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({
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
    const viaProxy = new RegistryClient({ registry: proxy.host, plainHttp: true, retry: { attempts: 1 } });
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
    const client = new RegistryClient({
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
