import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryReader, type RegistryOptions } from '../../src/registry/registry-reader.js';
import { startRedirectProxy, type RedirectProxy } from '../support/redirect-proxy.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushSimpleImage, type SimpleImage } from '../support/registry-push.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** htpasswd Basic auth on CNCF distribution 2.8, and blobs served through a redirect to another origin. */
describe('registry client with htpasswd auth and redirected blobs (real registry)', () => {
  let registry: TestRegistry;
  let proxy: RedirectProxy;
  let image: SimpleImage;
  const layer = Buffer.alloc(200_000, 7);
  const clients: RegistryReader[] = [];

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    image = await pushSimpleImage(registry, 'team/app', 'v1', { layers: [layer] });
    proxy = await startRedirectProxy({
      upstream: registry.url,
      upstreamAuthorization: (repo) => registry.adminAuthorization(repo),
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.stop();
    await registry?.stop();
  });

  function client(host: string, options: Partial<RegistryOptions> = {}): RegistryReader {
    const c = new RegistryReader({
      registry: host,
      plainHttp: true,
      retry: { attempts: 2, baseDelayMs: 10 },
      credentials: { username: registry.username ?? '', password: registry.password ?? '' },
      ...options,
    });
    clients.push(c);
    return c;
  }

  it('pulls with Basic credentials', async () => {
    const c = client(registry.host);
    const head = await c.headManifest('team/app', 'v1');
    expect(head.digest).toBe(image.manifestDigest);
    const blob = await readAll(
      await c.getBlob('team/app', { digest: image.layers[0].digest, size: layer.length }),
    );
    expect(blob.equals(layer)).toBe(true);
  });

  it('fails without credentials or with a wrong password', async () => {
    const anonymous = client(registry.host, { credentials: undefined });
    await expect(anonymous.getManifest('team/app', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_AUTH',
      message: expect.stringContaining('none are configured'),
    });
    const wrong = client(registry.host, { credentials: { username: 'pushgate', password: 'nope' } });
    await expect(wrong.getManifest('team/app', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_AUTH',
      message: expect.stringContaining('refused the credentials'),
    });
  });

  it('follows a blob redirect to another origin without forwarding Authorization', async () => {
    proxy.setBlobMode('intact');
    const c = client(proxy.host, {
      allowedHosts: [proxy.blobOrigin.host],
      plainHttpHosts: [proxy.blobOrigin.host],
    });
    const before = proxy.blobRequests.length;
    const blob = await readAll(
      await c.getBlob('team/app', { digest: image.layers[0].digest, size: layer.length }),
    );
    expect(blob.equals(layer)).toBe(true);
    const served = proxy.blobRequests.slice(before);
    expect(served).toHaveLength(1);
    expect(served[0].path).toBe(`/blobs/${image.layers[0].digest}`);
    expect(served[0].authorization).toBeUndefined();
  });

  it('detects a truncated blob and a blob with the wrong content', async () => {
    const c = client(proxy.host, {
      allowedHosts: [proxy.blobOrigin.host],
      plainHttpHosts: [proxy.blobOrigin.host],
    });
    const descriptor = { digest: image.layers[0].digest, size: layer.length };
    proxy.setBlobMode('truncate');
    await expect(readAll(await c.getBlob('team/app', descriptor))).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
      message: expect.stringContaining('truncated'),
    });
    proxy.setBlobMode('corrupt');
    await expect(readAll(await c.getBlob('team/app', descriptor))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    proxy.setBlobMode('intact');
  });

  it('refuses a redirect to a host that is not allowed', async () => {
    const c = client(proxy.host);
    const before = proxy.blobRequests.length;
    await expect(
      c.getBlob('team/app', { digest: image.layers[0].digest, size: layer.length }),
    ).rejects.toMatchObject({
      code: 'SSRF_BLOCKED',
      message: expect.stringContaining(proxy.blobOrigin.host),
    });
    proxy.setRedirectTarget('http://169.254.169.254');
    const allowedCdn = client(proxy.host, {
      allowedHosts: [proxy.blobOrigin.host],
      plainHttpHosts: [proxy.blobOrigin.host],
    });
    await expect(
      allowedCdn.getBlob('team/app', { digest: image.layers[0].digest, size: layer.length }),
    ).rejects.toMatchObject({
      code: 'SSRF_BLOCKED',
    });
    proxy.setRedirectTarget(undefined);
    expect(proxy.blobRequests.length).toBe(before);
  });
});
