import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { referrersTag, type RegistryOptions } from '../../../src/registry/registry-reader.js';
import { RegistryWriter } from '../../../src/registry/registry-writer.js';

/**
 * Hostile and flaky registry behaviour a real registry will not produce, served by tiny fake
 * servers. Real-registry behaviour is covered by test/integration/registry-*.test.ts.
 */

type Handler = (req: IncomingMessage, res: ServerResponse, server: Fake) => unknown;

interface Fake {
  host: string;
  url: string;
  requests: Array<{ method: string; path: string; authorization?: string }>;
  server: Server;
}

const fakes: Fake[] = [];
const clients: RegistryWriter[] = [];

async function fake(handler: Handler): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const self = { requests } as Fake;
  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
    });
    Promise.resolve(handler(req, res, self)).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  self.host = `127.0.0.1:${address.port}`;
  self.url = `http://${self.host}`;
  self.server = server;
  fakes.push(self);
  return self;
}

function client(registry: Fake, options: Partial<RegistryOptions> = {}): RegistryWriter {
  const c = new RegistryWriter({
    registry: registry.host,
    plainHttp: true,
    retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
    ...options,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(
    fakes.splice(0).map(
      (f) =>
        new Promise<void>((resolve) => {
          f.server.closeAllConnections();
          f.server.close(() => resolve());
        }),
    ),
  );
});

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const manifestBody = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('c'), size: 1 },
    layers: [],
  }),
);
const manifestDigest = sha256(manifestBody);

async function caught(
  promise: Promise<unknown>,
): Promise<{ code?: string; message: string; transient?: boolean }> {
  try {
    await promise;
  } catch (err) {
    return err as { code?: string; message: string; transient?: boolean };
  }
  throw new Error('expected a rejection');
}

describe('RegistryWriter against hostile registries', () => {
  it('refuses a manifest whose bytes do not match the requested digest', async () => {
    const registry = await fake((_req, res) => {
      const tampered = Buffer.from(manifestBody.toString().replace('"layers":[]', '"layers": []'));
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': manifestDigest });
      res.end(tampered);
    });
    const err = await caught(client(registry).getManifest('team/app', manifestDigest));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.message).toContain(`${registry.host}/team/app@${manifestDigest}`);
  });

  it('reports the digest of the bytes for a tag, the registry digest only as a hint', async () => {
    const registry = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': sha256('lie') });
      res.end(manifestBody);
    });
    const fetched = await client(registry).getManifest('team/app', 'v1');
    expect(fetched.digest).toBe(manifestDigest);
    expect(fetched.registryDigest).toBe(sha256('lie'));
    expect(fetched.mediaType).toBe(OCI_MANIFEST);
    expect(registry.requests[0].path).toBe('/v2/team/app/manifests/v1');
  });

  it('sends the full Accept list and caps manifest bodies at 4 MiB (Content-Length and streamed)', async () => {
    let accept: string | undefined;
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const registry = await fake((req, res) => {
      accept = req.headers.accept;
      if (req.url?.endsWith('/declared')) {
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(big.length) });
        res.end(big);
      } else {
        res.writeHead(200, { 'content-type': OCI_MANIFEST }); // chunked: no length to check up front
        res.write(big.subarray(0, 1024 * 1024));
        res.end(big.subarray(1024 * 1024));
      }
    });
    const c = client(registry);
    expect((await caught(c.getManifest('team/app', 'declared'))).code).toBe('BODY_TOO_LARGE');
    expect((await caught(c.getManifest('team/app', 'streamed'))).code).toBe('BODY_TOO_LARGE');
    expect(accept).toContain('application/vnd.oci.image.index.v1+json');
    expect(accept).toContain('application/vnd.docker.distribution.manifest.v2+json');
    expect(accept).toContain('application/vnd.docker.distribution.manifest.list.v2+json');
  });

  it('refuses schema1 manifests by Content-Type and by body', async () => {
    const registry = await fake((req, res) => {
      if (req.url?.endsWith('/signed')) {
        res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' });
        res.end('{"schemaVersion":1}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"schemaVersion":1,"name":"team/app","tag":"plain","fsLayers":[]}');
      }
    });
    const c = client(registry);
    for (const tag of ['signed', 'plain']) {
      const err = await caught(c.getManifest('team/app', tag));
      expect(err.code).toBe('MANIFEST_UNSUPPORTED');
      expect(err.message).toMatch(/schema1/);
    }
    const head = await caught(c.headManifest('team/app', 'signed'));
    expect(head.code).toBe('MANIFEST_UNSUPPORTED');
  });

  it('falls back to GET when HEAD carries no Docker-Content-Digest', async () => {
    const registry = await fake((req, res) => {
      res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(manifestBody.length) });
      res.end(req.method === 'HEAD' ? undefined : manifestBody);
    });
    const head = await client(registry).headManifest('team/app', 'v1');
    expect(head).toEqual({ digest: manifestDigest, mediaType: OCI_MANIFEST, size: manifestBody.length });
    expect(registry.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('refuses a token realm on a host that is not allowed, before sending anything there', async () => {
    const elsewhere = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}');
    });
    const registry = await fake((_req, res) => {
      res
        .writeHead(401, { 'www-authenticate': `Bearer realm="http://${elsewhere.host}/token",service="s"` })
        .end();
    });
    const err = await caught(
      client(registry, { credentials: { username: 'u', password: 'secret' } }).getManifest('team/app', 'v1'),
    );
    expect(err.code).toBe('SSRF_BLOCKED');
    expect(err.message).toContain('token realm');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('refuses a blob redirect to a host that is not allowed', async () => {
    const elsewhere = await fake((_req, res) => res.writeHead(200).end('x'));
    const registry = await fake((_req, res) => {
      res.writeHead(307, { location: `http://${elsewhere.host}/blob` }).end();
    });
    const err = await caught(client(registry).getBlob('team/app', { digest: sha256('x'), size: 1 }));
    expect(err.code).toBe('SSRF_BLOCKED');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('follows an allowed redirect without sending Authorization to the other origin', async () => {
    const data = Buffer.from('blob bytes');
    const cdn = await fake((_req, res) =>
      res.writeHead(200, { 'content-length': String(data.length) }).end(data),
    );
    const registry = await fake((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return;
      }
      res.writeHead(302, { location: `http://${cdn.host}/signed?x=1` }).end();
    });
    const c = client(registry, {
      credentials: { username: 'u', password: 'p' },
      allowedHosts: [cdn.host],
      plainHttpHosts: [cdn.host],
    });
    const stream = await c.getBlob('team/app', { digest: sha256(data), size: data.length });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(registry.requests.at(-1)?.authorization).toMatch(/^Basic /);
    expect(cdn.requests).toHaveLength(1);
    expect(cdn.requests[0].authorization).toBeUndefined();
  });

  it('stops after 5 redirects', async () => {
    const registry = await fake((req, res) => {
      res.writeHead(307, { location: `${req.url}x` }).end();
    });
    const err = await caught(client(registry).getBlob('team/app', { digest: sha256('x'), size: 1 }));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toMatch(/more than 5 redirects/);
    expect(registry.requests).toHaveLength(6);
  });

  it('refuses a Link next page on another origin', async () => {
    const registry = await fake((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        link: '<http://169.254.169.254/v2/x/tags/list?n=1>; rel="next"',
      });
      res.end('{"name":"team/app","tags":["a"]}');
    });
    const err = await caught(client(registry).listTags('team/app'));
    expect(err.code).toBe('SSRF_BLOCKED');
  });

  it('checks a blob Content-Length against the descriptor before reading', async () => {
    const registry = await fake((_req, res) => res.writeHead(200, { 'content-length': '3' }).end('abc'));
    const err = await caught(client(registry).getBlob('team/app', { digest: sha256('abcd'), size: 4 }));
    expect(err.code).toBe('SIZE_MISMATCH');
  });

  it('refuses names that are not valid repository names or references without a request', async () => {
    const registry = await fake((_req, res) => res.writeHead(500).end());
    const c = client(registry);
    expect((await caught(c.getManifest('../../etc', 'v1'))).code).toBe('REFERENCE_INVALID');
    expect((await caught(c.getManifest('team/app', 'v1/../../x'))).code).toBe('REFERENCE_INVALID');
    expect((await caught(c.getManifest('team/app', 'sha256:zz'))).code).toBe('REFERENCE_INVALID');
    expect(registry.requests).toHaveLength(0);
  });

  it('quotes the registry error code and message, capped and without control characters', async () => {
    const registry = await fake((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ code: 'MANIFEST_UNKNOWN', message: `manifest unknown\u001b[31m${'x'.repeat(5000)}` }],
        }),
      );
    });
    const err = await caught(client(registry).getManifest('team/app', 'v9'));
    expect(err.code).toBe('REGISTRY_NOT_FOUND');
    expect(err.message).toContain(
      `pull manifest ${registry.host}/team/app:v9: HTTP 404 (MANIFEST_UNKNOWN: manifest unknown\\x1b[31m`,
    );
    expect(err.message.length).toBeLessThan(600);
  });

  it('stops on a registry that keeps answering 401 to fresh tokens (no loop)', async () => {
    const tokens = await fake((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: 'tok', expires_in: 300 }));
    });
    const registry = await fake((_req, res) => {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${tokens.host}/token",service="svc",scope="repository:team/app:pull",error="insufficient_scope"`,
        })
        .end();
    });
    const c = client(registry, {
      credentials: { username: 'u', password: 'p' },
      allowedHosts: [tokens.host],
      plainHttpHosts: [tokens.host],
    });
    const err = await caught(c.getManifest('team/app', 'v1'));
    expect(err.code).toBe('REGISTRY_DENIED');
    expect(registry.requests).toHaveLength(2);
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0].path).toBe('/token?service=svc&scope=repository%3Ateam%2Fapp%3Apull');
    expect(tokens.requests[0].authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('takes a challenge repeating our scope with the actions reordered as a denial: one token request', async () => {
    // distribution 2.8 builds the challenge scope from a Go map: `push,pull` as often as `pull,push`.
    const tokens = await fake((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: 'pull-only', expires_in: 300 }));
    });
    const registry = await fake((_req, res) => {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${tokens.host}/token",service="svc",scope="repository:team/app:push,pull",error="insufficient_scope"`,
        })
        .end();
    });
    const c = client(registry, {
      credentials: { username: 'u', password: 'p' },
      allowedHosts: [tokens.host],
      plainHttpHosts: [tokens.host],
    });
    const err = await caught(c.putManifest('team/app', 'v2', manifestBody, OCI_MANIFEST));
    expect(err.code).toBe('REGISTRY_DENIED');
    expect(err.message).toContain('repository:team/app:pull,push');
    expect(registry.requests.map((r) => r.authorization)).toEqual([undefined, 'Bearer pull-only']);
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0].path).toBe('/token?service=svc&scope=repository%3Ateam%2Fapp%3Apull%2Cpush');
    expect(c.tokenRequests).toBe(1);
  });

  it('asks for a scope the challenge adds to ours once, merged into one scope per repository', async () => {
    const tokens = await fake((req, res) => {
      const scope = new URL(req.url ?? '/', 'http://x').searchParams.getAll('scope').join(' ');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ token: scope.includes('delete') ? 'with-delete' : 'without', expires_in: 300 }),
        );
    });
    const registry = await fake((req, res) => {
      if (req.headers.authorization === 'Bearer with-delete') {
        res.writeHead(202).end();
        return;
      }
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${tokens.host}/token",service="svc",scope="repository:team/app:delete,pull"`,
        })
        .end();
    });
    const c = client(registry, {
      credentials: { username: 'u', password: 'p' },
      allowedHosts: [tokens.host],
      plainHttpHosts: [tokens.host],
    });
    await c.deleteManifest('team/app', manifestDigest);
    expect(tokens.requests.map((r) => r.path)).toEqual([
      '/token?service=svc&scope=repository%3Ateam%2Fapp%3Adelete%2Cpull',
    ]);
    // The next delete asks for the merged scope straight away, from the cache.
    await c.deleteManifest('team/app', manifestDigest);
    expect(c.tokenRequests).toBe(1);
  });

  it('checks the digest a registry reports for a pushed manifest', async () => {
    const registry = await fake((_req, res) => {
      res.writeHead(201, { 'docker-content-digest': sha256('other') }).end();
    });
    const err = await caught(client(registry).putManifest('team/app', 'v2', manifestBody, OCI_MANIFEST));
    expect(err.code).toBe('DIGEST_MISMATCH');
  });

  it('reads the referrers API with pagination and filters when the registry did not', async () => {
    const subject = sha256('subject');
    const child = (artifactType: string, n: number) => ({
      mediaType: OCI_MANIFEST,
      digest: sha256(`${artifactType}${n}`),
      size: 10,
      artifactType,
    });
    const registry = await fake((req, res) => {
      const page2 = req.url?.includes('page=2');
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.index.v1+json',
        ...(page2 ? {} : { link: `</v2/team/app/referrers/${subject}?page=2>; rel="next"` }),
      });
      res.end(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: page2
            ? [child('application/sbom', 2)]
            : [child('application/sbom', 1), child('application/sig', 1)],
        }),
      );
    });
    const result = await client(registry).referrers('team/app', subject, 'application/sbom');
    expect(result.via).toBe('api');
    expect(result.manifests.map((m) => m.digest)).toEqual([
      sha256('application/sbom1'),
      sha256('application/sbom2'),
    ]);
    expect(registry.requests[0].path).toBe(
      `/v2/team/app/referrers/${subject}?artifactType=application%2Fsbom`,
    );
  });

  it('names the referrers fallback tag as the spec says', () => {
    expect(referrersTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`);
    expect(referrersTag(`sha512:${'b'.repeat(128)}`)).toBe(`sha512-${'b'.repeat(64)}`);
  });
});

describe('RegistryWriter retries', () => {
  it('retries 503s with backoff, then succeeds', async () => {
    let calls = 0;
    const registry = await fake((_req, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE"}]}');
        return;
      }
      res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manifestBody);
    });
    const retries: string[] = [];
    const fetched = await client(registry, { onRetry: (e) => retries.push(e.reason) }).getManifest(
      'team/app',
      manifestDigest,
    );
    expect(fetched.digest).toBe(manifestDigest);
    expect(calls).toBe(3);
    expect(retries).toEqual(['HTTP 503', 'HTTP 503']);
  });

  it('gives up after the configured attempts with a transient error naming the status', async () => {
    const registry = await fake((_req, res) => {
      res
        .writeHead(502, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"UNKNOWN","message":"bad gateway"}]}');
    });
    const err = await caught(
      client(registry, { retry: { attempts: 2, baseDelayMs: 5 } }).getManifest('team/app', 'v1'),
    );
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.transient).toBe(true);
    expect(err.message).toContain('HTTP 502 (UNKNOWN: bad gateway)');
    expect(registry.requests).toHaveLength(2);
  });

  it('honours Retry-After on 429', async () => {
    const times: number[] = [];
    const registry = await fake((_req, res) => {
      times.push(Date.now());
      if (times.length === 1) {
        res.writeHead(429, { 'retry-after': '1' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manifestBody);
    });
    await client(registry).getManifest('team/app', manifestDigest);
    expect(times).toHaveLength(2);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a Retry-After beyond its limit: rate-limit error, transient', async () => {
    const registry = await fake((_req, res) => {
      res
        .writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' })
        .end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
    });
    const started = Date.now();
    const err = await caught(client(registry).getManifest('team/app', 'v1'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.code).toBe('REGISTRY_TOO_MANY_REQUESTS');
    expect(err.transient).toBe(true);
    expect(registry.requests).toHaveLength(1);
  });

  it('retries connection resets', async () => {
    let calls = 0;
    const registry = await fake((req, res) => {
      calls++;
      if (calls === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manifestBody);
    });
    const fetched = await client(registry).getManifest('team/app', manifestDigest);
    expect(fetched.digest).toBe(manifestDigest);
    expect(calls).toBe(2);
  });

  it('retries a PUT whose connection is reset after the auth dance with the cached token', async () => {
    const tokens = await fake((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: 'tok', expires_in: 300 }));
    });
    let resets = 0;
    const registry = await fake((req, res) => {
      if (req.headers.authorization !== 'Bearer tok') {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${tokens.host}/token",service="svc",scope="repository:team/app:pull,push"`,
          })
          .end();
        return;
      }
      if (resets === 0) {
        resets++;
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on('end', () => res.writeHead(201, { 'docker-content-digest': manifestDigest }).end());
    });
    const retries: string[] = [];
    const c = client(registry, {
      credentials: { username: 'u', password: 'p' },
      allowedHosts: [tokens.host],
      plainHttpHosts: [tokens.host],
      onRetry: (e) => retries.push(e.reason),
    });
    expect(await c.putManifest('team/app', 'v2', manifestBody, OCI_MANIFEST)).toBe(manifestDigest);
    expect(retries).toHaveLength(1);
    expect(registry.requests.map((r) => r.authorization)).toEqual([undefined, 'Bearer tok', 'Bearer tok']);
    expect(tokens.requests).toHaveLength(1);
  });

  it('reports an unreachable registry as REGISTRY_UNREACHABLE after retrying', async () => {
    const registry = await fake((_req, res) => res.end());
    const host = registry.host;
    await new Promise<void>((resolve) => registry.server.close(() => resolve()));
    fakes.splice(fakes.indexOf(registry), 1);
    const c = new RegistryWriter({ registry: host, plainHttp: true, retry: { attempts: 2, baseDelayMs: 5 } });
    clients.push(c);
    const err = await caught(c.headManifest('team/app', 'v1'));
    expect(err.code).toBe('REGISTRY_UNREACHABLE');
    expect(err.transient).toBe(true);
    expect(err.message).toContain(`resolve ${host}/team/app:v1`);
    expect(err.message).toContain('ECONNREFUSED');
  });
});
