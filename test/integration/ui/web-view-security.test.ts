import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VerdictStore } from '../../../src/store/verdict-store.js';
import type { ImageRecord } from '../../../src/store/types.js';
import { freePort } from '../../support/ports.js';
import { startInProcess, writeServiceConfig, type InProcessService } from '../../support/pushgate-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { tempDir } from '../../support/temp-dir.js';

const READ = 'ui-read-token-0123456789abcdef';
const ADMIN = 'ui-admin-token-0123456789abcdef';
const SESSION = '__Host-pushgate-session';
const LOGIN = '__Host-pushgate-login';
const HOSTILE = '"><script>alert(1)</script>\u202e';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  cookies: Record<string, string>;
  setCookies: string[];
}

/** The web view, its sessions and its checks, against a real Redis and `pushgate serve`. */
describe('web view: login, sessions, CSRF, Origin, rate limit', () => {
  let redis: RedisServer;
  let client: Redis;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let service: InProcessService;
  let prefix: string;
  let origin: string;

  async function request(
    method: string,
    path: string,
    options: {
      cookies?: Record<string, string | undefined>;
      form?: Record<string, string>;
      origin?: string | null;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const cookies = Object.entries(options.cookies ?? {}).filter(([, v]) => v !== undefined);
    if (cookies.length > 0) headers.cookie = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
    if (options.origin !== null && method === 'POST') headers.origin = options.origin ?? origin;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${service.url}${path}`, { method, headers, body, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    const jar: Record<string, string> = {};
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return {
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      cookies: jar,
      setCookies,
    };
  }

  /** The login form's CSRF token (cookie and hidden field hold the same value). */
  async function loginForm(): Promise<{ csrf: string; cookie: string; page: Answer }> {
    const page = await request('GET', '/ui/login');
    expect(page.status).toBe(200);
    const field = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(field).toBeDefined();
    expect(page.cookies[LOGIN]).toBe(field);
    return { csrf: field!, cookie: page.cookies[LOGIN], page };
  }

  async function logIn(token = READ): Promise<{ session: string; answer: Answer }> {
    const form = await loginForm();
    const answer = await request('POST', '/ui/login', {
      cookies: { [LOGIN]: form.cookie },
      form: { csrf: form.csrf, token },
    });
    expect(answer.status, answer.text).toBe(303);
    return { session: answer.cookies[SESSION], answer };
  }

  function sessionKey(id: string): string {
    return `${prefix}:ui-session:${createHash('sha256').update(id).digest('hex')}`;
  }

  beforeAll(async () => {
    dir = await tempDir('pushgate-ui-');
    redis = await startRedis({ appendOnly: false });
    client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    const port = await freePort();
    const cfg = await writeServiceConfig({
      dir: dir.path,
      redisUrl: redis.url,
      registryUrl: 'http://127.0.0.1:5999',
      port,
      extra: {
        server: {
          host: '127.0.0.1',
          port,
          apiTokens: [
            { token: READ, role: 'read' },
            { token: ADMIN, role: 'admin' },
          ],
        },
      },
    });
    prefix = cfg.prefix;
    service = await startInProcess('serve', cfg.path);
    origin = service.url;
    const record: ImageRecord = {
      registry: 'local',
      registryHost: '127.0.0.1:5999',
      repository: 'team/app',
      digest: DIGEST,
      tags: [`1.0${HOSTILE}`],
      decision: 'reject',
      reasons: [`no-compilers: gcc found ${HOSTILE}`],
      verdicts: [],
      facts: {
        platforms: ['linux/amd64'],
        compilers: ['gcc'],
        shells: [],
        packageManagers: [],
        secrets: 0,
        sizeBytes: 123_456_789,
        layers: 3,
      },
      actions: [
        {
          kind: 'delete',
          outcome: 'dry-run',
          detail: `delete 127.0.0.1:5999/team/app:1.0${HOSTILE}`,
          at: new Date().toISOString(),
        },
      ],
      policySetVersion: 'v1',
      evaluatedAt: new Date().toISOString(),
      scanMs: 12,
    };
    await new VerdictStore(client, prefix).put(record);
  });
  afterAll(async () => {
    client?.disconnect();
    await service?.stop();
    await redis?.stop();
    await dir?.remove();
  });
  beforeEach(async () => {
    // Every test starts with a fresh login budget (attempts are counted per address: all are 127.0.0.1).
    const keys = await client.keys(`${prefix}:ui-login:*`);
    if (keys.length > 0) await client.del(...keys);
  });

  it('sends every page with a hash-only CSP and the protective headers', async () => {
    const { page } = await loginForm();
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(csp).toMatch(/(^|; )form-action 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    // The one inline style is allowed by its hash, and nothing else is inline.
    const styles = [...page.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256').update(styles[0]).digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(page.text).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    // A redirect carries the strictest policy too.
    const redirect = await request('GET', '/ui/images');
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('/ui/login');
    expect(redirect.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('takes a token once and gives the browser only a random session id in a __Host- cookie', async () => {
    const { session, answer } = await logIn();
    expect(answer.headers.get('location')).toBe('/ui/images');
    const line = answer.setCookies.find((c) => c.startsWith(`${SESSION}=`))!;
    expect(line).toMatch(/; Path=\/; Max-Age=28800; Secure; HttpOnly; SameSite=Strict$/);
    expect(line).not.toMatch(/Domain=/i);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.setCookies.join('\n')).not.toContain(READ);
    expect(answer.headers.get('location')).not.toContain(READ);
    // Redis keeps the session under a hash of its id, with a TTL, and never the token.
    const stored = await client.get(sessionKey(session));
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(READ);
    expect(stored).not.toContain(session);
    const ttl = await client.ttl(sessionKey(session));
    expect(ttl).toBeGreaterThan(28_700);
    expect(ttl).toBeLessThanOrEqual(28_800);
    const images = await request('GET', '/ui/images', { cookies: { [SESSION]: session } });
    expect(images.status).toBe(200);
    expect(images.text).toContain('team/app');
  });

  it('refuses a wrong token without echoing it', async () => {
    const form = await loginForm();
    const wrong = 'wrong-token-<b>0123456789</b>';
    const answer = await request('POST', '/ui/login', {
      cookies: { [LOGIN]: form.cookie },
      form: { csrf: form.csrf, token: wrong },
    });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('not a valid API token');
    expect(answer.text).not.toContain('0123456789');
    expect(answer.cookies[SESSION]).toBeUndefined();
  });

  it('refuses a login POST without the CSRF token, with another site’s Origin, or with none', async () => {
    const form = await loginForm();
    const good = { cookies: { [LOGIN]: form.cookie }, form: { csrf: form.csrf, token: READ } };
    const cases: Array<[string, Parameters<typeof request>[2]]> = [
      ['no csrf field', { cookies: good.cookies, form: { token: READ } }],
      ['no csrf cookie', { form: good.form }],
      ['mismatched csrf', { cookies: good.cookies, form: { csrf: `${form.csrf.slice(1)}x`, token: READ } }],
      ['other Origin', { ...good, origin: 'https://attacker.example' }],
      ['other port', { ...good, origin: origin.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`) }],
      ['Origin null', { ...good, origin: 'null' }],
      ['no Origin', { ...good, origin: null }],
      [
        'Origin null, cross-site fetch',
        { ...good, origin: 'null', headers: { 'sec-fetch-site': 'cross-site' } },
      ],
      ['same-site fetch', { ...good, headers: { 'sec-fetch-site': 'same-site' } }],
    ];
    for (const [name, options] of cases) {
      const answer = await request('POST', '/ui/login', options);
      expect(answer.status, name).toBe(403);
      expect(answer.cookies[SESSION], name).toBeUndefined();
    }
    // The same form with everything in place logs in; so does a browser that hides the Origin
    // (the page's no-referrer policy) but says the request is same-origin.
    expect((await request('POST', '/ui/login', good)).status).toBe(303);
    const hidden = { ...good, origin: 'null', headers: { 'sec-fetch-site': 'same-origin' } };
    expect((await request('POST', '/ui/login', hidden)).status).toBe(303);
  });

  it('logs out only with the session’s CSRF token and this Origin, and the session is gone everywhere', async () => {
    const { session } = await logIn();
    const images = await request('GET', '/ui/images', { cookies: { [SESSION]: session } });
    const csrf = /action="\/ui\/logout">\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(
      images.text,
    )?.[1];
    expect(csrf).toBeDefined();
    const refused = [
      await request('POST', '/ui/logout', { cookies: { [SESSION]: session }, form: {} }),
      await request('POST', '/ui/logout', {
        cookies: { [SESSION]: session },
        form: { csrf: 'x'.repeat(43) },
      }),
      await request('POST', '/ui/logout', {
        cookies: { [SESSION]: session },
        form: { csrf: csrf! },
        origin: 'https://attacker.example',
      }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await client.exists(sessionKey(session))).toBe(1);
    const out = await request('POST', '/ui/logout', {
      cookies: { [SESSION]: session },
      form: { csrf: csrf! },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/ui/login');
    expect(out.setCookies.find((c) => c.startsWith(`${SESSION}=`))).toMatch(
      /^__Host-pushgate-session=; Path=\/; Max-Age=0;/,
    );
    expect(await client.exists(sessionKey(session))).toBe(0);
    // A copy of the cookie kept elsewhere no longer works.
    const after = await request('GET', '/ui/images', { cookies: { [SESSION]: session } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/ui/login');
  });

  it('ends a session when its Redis key expires', async () => {
    const { session } = await logIn();
    expect((await request('GET', '/ui/admissions', { cookies: { [SESSION]: session } })).status).toBe(200);
    await client.pexpire(sessionKey(session), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await request('GET', '/ui/admissions', { cookies: { [SESSION]: session } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/ui/login');
    // A made-up id is no session either.
    const forged = await request('GET', '/ui/images', { cookies: { [SESSION]: 'A'.repeat(43) } });
    expect(forged.status).toBe(303);
  });

  it('allows 10 failed logins a minute per address, then answers 429 with Retry-After; successes do not count', async () => {
    const form = await loginForm();
    const attempt = (token: string): Promise<Answer> =>
      request('POST', '/ui/login', { cookies: { [LOGIN]: form.cookie }, form: { csrf: form.csrf, token } });
    // Successful logins are not counted: a team behind one proxy address does not lock itself out.
    for (let i = 0; i < 12; i++) expect((await attempt(READ)).status).toBe(303);
    for (let i = 0; i < 10; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
    const limited = await attempt(READ);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.cookies[SESSION]).toBeUndefined();
    const [key] = await client.keys(`${prefix}:ui-login:*`);
    expect(key).not.toContain('127.0.0.1');
    expect(await client.pttl(key)).toBeGreaterThan(0);
  });

  it('ends a session when its token is no longer configured', async () => {
    const { session } = await logIn(READ);
    // A second `serve` on the same Redis and prefix whose configuration dropped the read token.
    const port = await freePort();
    const cfg = await writeServiceConfig({
      dir: dir.path,
      redisUrl: redis.url,
      registryUrl: 'http://127.0.0.1:5999',
      port,
      prefix,
      extra: { server: { host: '127.0.0.1', port, apiTokens: [{ token: ADMIN, role: 'admin' }] } },
    });
    const other = await startInProcess('serve', cfg.path);
    try {
      const answer = await fetch(`${other.url}/ui/images`, {
        headers: { cookie: `${SESSION}=${session}` },
        redirect: 'manual',
      });
      await answer.body?.cancel();
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/ui/login');
      expect(await client.exists(sessionKey(session))).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('never lets the session cookie authenticate /api/v1 (bearer tokens only)', async () => {
    const { session } = await logIn(ADMIN);
    const withCookie = await request('GET', '/api/v1/images', { cookies: { [SESSION]: session } });
    expect(withCookie.status).toBe(401);
    const scan = await request('POST', '/api/v1/scans', {
      cookies: { [SESSION]: session },
      headers: { 'content-type': 'application/json' },
    });
    expect(scan.status).toBe(401);
    const bearer = await fetch(`${service.url}/api/v1/images`, {
      headers: { authorization: `Bearer ${READ}` },
    });
    await bearer.body?.cancel();
    expect(bearer.status).toBe(200);
    // Nor does a bearer token open the web view: it logs in once, through the form.
    const page = await request('GET', '/ui/images', { headers: { authorization: `Bearer ${READ}` } });
    expect(page.status).toBe(303);
  });

  it('escapes stored text for HTML and shows control and bidi characters as escapes', async () => {
    const { session } = await logIn();
    const list = await request('GET', '/ui/images', { cookies: { [SESSION]: session } });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('<script>');
    expect(list.text).not.toContain('\u202e');
    expect(list.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\u202e');
    const page = await request('GET', `/ui/images/${DIGEST}`, { cookies: { [SESSION]: session } });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('no-compilers: gcc found &quot;&gt;&lt;script&gt;');
    expect(page.text).toContain('delete 127.0.0.1:5999/team/app:1.0&quot;&gt;&lt;script&gt;');
    // A filter value goes back into its input escaped, and into the next page's link encoded.
    const filtered = await request('GET', `/ui/images?repository=${encodeURIComponent('x"><img src=x>')}`, {
      cookies: { [SESSION]: session },
    });
    expect(filtered.status).toBe(200);
    expect(filtered.text).toContain('value="x&quot;&gt;&lt;img src=x&gt;"');
    const bad = await request('GET', '/ui/images?decision=<b>', { cookies: { [SESSION]: session } });
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain('<b>');
  });
});
