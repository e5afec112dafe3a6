import type { BuiltBlob, BuiltImage, BuiltIndex, PushTarget } from './types.js';

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(header: string): Challenge {
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)="([^"]*)"/g;
  for (const m of header.slice(space + 1).matchAll(re)) params[m[1].toLowerCase()] = m[2];
  return { scheme, params };
}

/** A tiny registry client: one auth header, found on the first 401 and reused. */
class Pusher {
  private authorization: string | undefined;

  constructor(private readonly target: PushTarget) {}

  private url(path: string): string {
    return new URL(path, this.target.url).toString();
  }

  async request(
    what: string,
    method: string,
    path: string,
    init: { body?: Buffer; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    let res = await this.send(method, path, init);
    if (res.status === 401 && this.target.auth) {
      await res.arrayBuffer();
      await this.authenticate(what, res.headers.get('www-authenticate') ?? '');
      res = await this.send(method, path, init);
    }
    return res;
  }

  private send(
    method: string,
    path: string,
    init: { body?: Buffer; headers?: Record<string, string> },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.authorization) headers.authorization = this.authorization;
    return fetch(this.url(path), { method, headers, body: init.body, redirect: 'follow' });
  }

  private async authenticate(what: string, header: string): Promise<void> {
    const auth = this.target.auth;
    if (!auth) return;
    const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const challenge = parseChallenge(header);
    if (challenge.scheme === 'basic') {
      this.authorization = basic;
      return;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new Error(`${what}: 401 with unsupported WWW-Authenticate "${header}"`);
    }
    const tokenUrl = new URL(challenge.params.realm);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', `repository:${this.target.repository}:pull,push`);
    const res = await fetch(tokenUrl, { headers: { authorization: basic } });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`${what}: token request to ${tokenUrl.toString()} failed: ${res.status} ${text}`);
    const body = JSON.parse(text) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`${what}: token response from ${tokenUrl.toString()} has no token: ${text}`);
    this.authorization = `Bearer ${token}`;
  }

  async pushBlob(blob: BuiltBlob): Promise<void> {
    const repo = this.target.repository;
    const what = `push blob ${blob.digest} to ${this.target.url}/${repo}`;
    const head = await this.request(what, 'HEAD', `/v2/${repo}/blobs/${blob.digest}`);
    if (head.ok) return;
    if (head.status !== 404) throw new Error(`${what}: HEAD answered ${head.status} ${await head.text()}`);

    const start = await this.request(what, 'POST', `/v2/${repo}/blobs/uploads/`);
    const startText = await start.text();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) {
      throw new Error(`${what}: starting the upload answered ${start.status} ${startText}`);
    }
    const uploadUrl = new URL(location, this.target.url);
    uploadUrl.searchParams.set('digest', blob.digest);
    const put = await this.request(what, 'PUT', uploadUrl.toString(), {
      body: blob.data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const putText = await put.text();
    if (put.status !== 201) throw new Error(`${what}: upload answered ${put.status} ${putText}`);
  }

  async pushManifest(manifest: BuiltBlob, reference: string): Promise<void> {
    const repo = this.target.repository;
    const what = `push manifest ${manifest.digest} as ${this.target.url}/${repo}:${reference}`;
    const res = await this.request(what, 'PUT', `/v2/${repo}/manifests/${reference}`, {
      body: manifest.data,
      headers: { 'content-type': manifest.mediaType },
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`${what}: answered ${res.status} ${text}`);
  }
}

/**
 * Pushes an image or an index (with all children and blobs) through the registry HTTP API:
 * blobs first (skipping those present), then child manifests by digest, then the top-level
 * manifest under `tag` (or by digest). Returns the top-level digest.
 */
export async function pushImage(
  target: PushTarget,
  image: BuiltImage | BuiltIndex,
): Promise<{ digest: string }> {
  const pusher = new Pusher(target);
  const images = image.kind === 'image' ? [image] : [...image.images, ...image.attestations];
  const pushed = new Set<string>();
  for (const img of images) {
    for (const blob of [img.config, ...img.layers]) {
      if (pushed.has(blob.digest)) continue;
      await pusher.pushBlob(blob);
      pushed.add(blob.digest);
    }
  }
  if (image.kind === 'image') {
    await pusher.pushManifest(image.manifest, target.tag ?? image.manifest.digest);
    return { digest: image.manifest.digest };
  }
  for (const img of images) await pusher.pushManifest(img.manifest, img.manifest.digest);
  await pusher.pushManifest(image.index, target.tag ?? image.index.digest);
  return { digest: image.index.digest };
}
