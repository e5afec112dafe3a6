import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegistryOptions } from '../../src/registry/registry-reader.js';
import { RegistryWriter } from '../../src/registry/registry-writer.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushSimpleImage, type SimpleImage } from '../support/registry-push.js';
import { tempDir } from '../support/temp-dir.js';

/** Token auth against CNCF distribution 2.8 configured with `auth.token` and the test token issuer. */
describe('registry client with token auth (real registry)', () => {
  let registry: TestRegistry;
  let image: SimpleImage;
  let dir: { path: string; remove(): Promise<void> };
  const clients: RegistryWriter[] = [];

  beforeAll(async () => {
    registry = await startRegistry({
      auth: 'token',
      tokenIssuer: {
        users: { pushgate: 'token-pass', reader: 'reader-pass' },
        refreshTokens: { 'refresh-for-pushgate': 'pushgate' },
        // `reader` may pull but never push; `pushgate` gets everything.
        grant: (r) =>
          r.user === undefined ? [] : r.user === 'reader' ? r.actions.filter((a) => a === 'pull') : r.actions,
      },
    });
    dir = await tempDir();
    image = await pushSimpleImage(registry, 'team/app', 'v1');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await registry?.stop();
    await dir?.remove();
  });

  function client(options: Partial<RegistryOptions> = {}): RegistryWriter {
    const issuer = registry.tokenIssuer?.host ?? '';
    const c = new RegistryWriter({
      registry: registry.host,
      plainHttp: true,
      allowedHosts: [issuer],
      plainHttpHosts: [issuer],
      retry: { attempts: 2, baseDelayMs: 10 },
      ...options,
    });
    clients.push(c);
    return c;
  }

  it('denies anonymous pulls with a clear REGISTRY_AUTH error', async () => {
    const before = registry.tokenIssuer?.requests.length ?? 0;
    const err = await client()
      .getManifest('team/app', 'v1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_AUTH' });
    expect((err as Error).message).toContain(`pull manifest ${registry.host}/team/app:v1`);
    expect((err as Error).message).toContain('requires credentials');
    // One anonymous token request, no loop.
    expect((registry.tokenIssuer?.requests.length ?? 0) - before).toBe(1);
  });

  it('pulls with credentials and reuses the cached token', async () => {
    const c = client({ credentials: { username: 'pushgate', password: 'token-pass' } });
    const before = registry.tokenIssuer?.requests.length ?? 0;
    const head = await c.headManifest('team/app', 'v1');
    expect(head.digest).toBe(image.manifestDigest);
    const manifest = await c.getManifest('team/app', head.digest);
    expect(manifest.body.equals(image.manifest)).toBe(true);
    const config = await c.getBlobBuffer('team/app', {
      digest: image.config.digest,
      size: image.config.size,
    });
    expect(JSON.parse(config.toString()).config.Labels.tag).toBe('v1');
    expect(await c.listTags('team/app')).toEqual(['v1']);
    expect(c.tokenRequests).toBe(1);
    const issued = registry.tokenIssuer?.requests.slice(before) ?? [];
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ user: 'pushgate', scopes: ['repository:team/app:pull'] });
  });

  it('refuses a wrong password with REGISTRY_AUTH', async () => {
    const err = await client({ credentials: { username: 'pushgate', password: 'wrong' } })
      .getManifest('team/app', 'v1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_AUTH' });
    expect((err as Error).message).toContain('token server refused the credentials');
  });

  it('reports a scope the token server does not grant as REGISTRY_DENIED, without looping', async () => {
    const c = client({ credentials: { username: 'reader', password: 'reader-pass' } });
    expect((await c.getManifest('team/app', 'v1')).digest).toBe(image.manifestDigest);
    const before = registry.tokenIssuer?.requests.length ?? 0;
    const err = await c
      .putManifest('team/app', 'v1-copy', image.manifest, image.mediaType)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_DENIED' });
    expect((err as Error).message).toContain(`push manifest ${registry.host}/team/app:v1-copy`);
    expect((err as Error).message).toContain('repository:team/app:pull,push');
    const issued = registry.tokenIssuer?.requests.slice(before) ?? [];
    expect(issued).toHaveLength(1);
    expect(issued[0].granted).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
  });

  it('pushes and deletes when the scope is granted', async () => {
    const c = client({ credentials: { username: 'pushgate', password: 'token-pass' } });
    const digest = await c.putManifest('team/app', 'v1-verified', image.manifest, image.mediaType);
    expect(digest).toBe(image.manifestDigest);
    expect((await c.headManifest('team/app', 'v1-verified')).digest).toBe(image.manifestDigest);
    const other = await pushSimpleImage(registry, 'team/app', 'to-delete', { label: 'delete me' });
    await c.deleteManifest('team/app', other.manifestDigest);
    await expect(c.getManifest('team/app', other.manifestDigest)).rejects.toMatchObject({
      code: 'REGISTRY_NOT_FOUND',
    });
  });

  it('takes credentials from a Docker config.json', async () => {
    const path = join(dir.path, 'config.json');
    const auth = Buffer.from('pushgate:token-pass').toString('base64');
    await writeFile(path, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
    const c = client({ dockerConfigPath: path });
    expect((await c.headManifest('team/app', 'v1')).digest).toBe(image.manifestDigest);
  });

  it('exchanges an identity token through the OAuth2 refresh-token grant', async () => {
    const before = registry.tokenIssuer?.requests.length ?? 0;
    const c = client({ credentials: { identityToken: 'refresh-for-pushgate' } });
    expect((await c.headManifest('team/app', 'v1')).digest).toBe(image.manifestDigest);
    const issued = registry.tokenIssuer?.requests.slice(before) ?? [];
    expect(issued).toEqual([expect.objectContaining({ method: 'POST', user: 'pushgate' })]);
  });

  it('refuses to send credentials to a token realm that is not allowed', async () => {
    const before = registry.tokenIssuer?.requests.length ?? 0;
    const c = new RegistryWriter({
      registry: registry.host,
      plainHttp: true,
      allowedHosts: [],
      credentials: { username: 'pushgate', password: 'token-pass' },
    });
    clients.push(c);
    await expect(c.getManifest('team/app', 'v1')).rejects.toMatchObject({ code: 'SSRF_BLOCKED' });
    expect(registry.tokenIssuer?.requests.length).toBe(before);
  });
});
