import { execFile } from 'node:child_process';
import { randomBytes, sign, X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** One requested scope, `repository:team/app:pull,push` → { type, name, actions }. */
export interface ScopeRequest {
  type: string;
  name: string;
  actions: string[];
}

export interface GrantRequest extends ScopeRequest {
  /** The authenticated user; undefined for anonymous requests. */
  user?: string;
}

/** Returns the actions to grant (a subset of `request.actions`). */
export type GrantPolicy = (request: GrantRequest) => string[];

export interface TokenIssuerOptions {
  /** username → password. Default: one user `pushgate` with a random password. */
  users?: Record<string, string>;
  /** Default: authenticated users get everything they ask for, anonymous users nothing. */
  grant?: GrantPolicy;
  /** `expires_in` of issued tokens. Default 300 s. */
  expiresInSeconds?: number;
  /** Refresh tokens accepted by the OAuth2 POST flow: token → username. */
  refreshTokens?: Record<string, string>;
}

export interface TokenRequestRecord {
  method: string;
  user?: string;
  /** True when the request carried credentials and they were wrong. */
  rejected: boolean;
  scopes: string[];
  granted: ScopeRequest[];
}

export interface TokenIssuer {
  /** Token realm, e.g. `http://127.0.0.1:PORT/token`. */
  realm: string;
  host: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry trusts (`auth.token.rootcertbundle`). */
  certPath: string;
  username: string;
  password: string;
  /** Every token request, in order. */
  requests: TokenRequestRecord[];
  setGrant(policy: GrantPolicy | undefined): void;
  /** Mints a token directly (for test set-up). */
  issue(user: string | undefined, scopes: ScopeRequest[]): string;
  stop(): Promise<void>;
}

export const grantAll: GrantPolicy = (request) => (request.user === undefined ? [] : request.actions);

export function parseScope(scope: string): ScopeRequest | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return undefined;
  return {
    type: scope.slice(0, first).replace(/\(.*\)$/, ''),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((a) => a !== ''),
  };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A minimal Docker token server (distribution docs auth/token.md, auth/jwt.md): checks Basic
 * credentials, grants scopes through a policy, and signs ES256 JWTs whose `x5c` header carries a
 * self-signed certificate that the registry trusts through `rootcertbundle` (distribution 2.8
 * verifies the x5c chain against that bundle). Needs the `openssl` CLI to make the certificate.
 */
export async function startTokenIssuer(dir: string, options: TokenIssuerOptions = {}): Promise<TokenIssuer> {
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=pushgate-test-token-issuer',
    ]);
  } catch (err) {
    throw new Error(
      `token issuer: cannot create a signing certificate with the openssl CLI (is openssl installed?): ${(err as Error).message}`,
    );
  }
  const key: KeyObject = createPrivateKey(await readFile(keyPath));
  const certDer = new X509Certificate(await readFile(certPath)).raw.toString('base64');

  const users = options.users ?? { pushgate: randomBytes(12).toString('hex') };
  const [username, password] = Object.entries(users)[0];
  let grant: GrantPolicy = options.grant ?? grantAll;
  const expiresIn = options.expiresInSeconds ?? 300;
  const service = 'pushgate-test-registry';
  const issuer = 'pushgate-test-token-issuer';
  const requests: TokenRequestRecord[] = [];

  const issue = (user: string | undefined, access: ScopeRequest[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${base64url(signature)}`;
  };

  const respond = (res: ServerResponse, user: string | undefined, scopes: string[], method: string): void => {
    const granted: ScopeRequest[] = [];
    for (const scope of scopes) {
      const parsed = parseScope(scope);
      if (parsed === undefined) continue;
      const actions = grant({ ...parsed, user }).filter((a) => parsed.actions.includes(a));
      if (actions.length > 0) granted.push({ ...parsed, actions });
    }
    requests.push({ method, user, rejected: false, scopes, granted });
    const token = issue(user, granted);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: expiresIn,
        issued_at: new Date().toISOString(),
      }),
    );
  };

  const reject = (res: ServerResponse, method: string, scopes: string[]): void => {
    requests.push({ method, rejected: true, scopes, granted: [] });
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
      let user: string | undefined;
      if (form.get('grant_type') === 'refresh_token')
        user = options.refreshTokens?.[form.get('refresh_token') ?? ''];
      else if (form.get('grant_type') === 'password') {
        const name = form.get('username') ?? '';
        if (users[name] !== undefined && users[name] === form.get('password')) user = name;
      }
      if (user === undefined) return reject(res, 'POST', scopes);
      return respond(res, user, scopes, 'POST');
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    const scopes = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter((s) => s !== '');
    const authorization = req.headers.authorization;
    let user: string | undefined;
    if (authorization !== undefined) {
      const match = /^Basic\s+(.+)$/i.exec(authorization);
      const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (colon <= 0 || users[name] === undefined || users[name] !== decoded.slice(colon + 1)) {
        return reject(res, 'GET', scopes);
      }
      user = name;
    }
    respond(res, user, scopes, 'GET');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const host = `127.0.0.1:${port}`;
  return {
    realm: `http://${host}/token`,
    host,
    service,
    issuer,
    certPath,
    username,
    password,
    requests,
    setGrant(policy) {
      grant = policy ?? grantAll;
    },
    issue,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
