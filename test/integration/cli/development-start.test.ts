import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDevelopmentService } from '../../support/development-service.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { tempDir } from '../../support/temp-dir.js';

const PULL = fileURLToPath(
  new URL('../../fixtures/webhooks/distribution/captured-2.8-manifest-pull.json', import.meta.url),
);
const CURL_HINT = 'curl -H "Authorization: Bearer $(cat .pushgate/api-token)"';

/** `pushgate serve` with no configuration file: the quick start's API works from the first start. */
describe('the development configuration', () => {
  let redis: RedisServer;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: false });
  });
  afterAll(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await redis.stop();
  });

  async function newDir(): Promise<string> {
    const dir = await tempDir('pushgate-dev-start-');
    cleanup.push(() => dir.remove());
    return dir.path;
  }

  it('generates an admin API token in .pushgate/api-token (0600, never printed), reuses it, and listens on loopback', async () => {
    const cwd = await newDir();
    const first = spawnDevelopmentService('serve', cwd, { REDIS_URL: redis.url });
    cleanup.push(async () => void (await first.terminate()));
    const serving = await first.ready();
    const file = join(cwd, '.pushgate', 'api-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(file, 'utf8')).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.output()).not.toContain(token);

    // The real address, and loopback only.
    expect(serving.listening).toMatch(/^127\.0\.0\.1:\d+$/);
    const url = `http://${String(serving.listening)}`;
    expect(serving.url).toBe(url);
    const hint = first.lines().find((line) => String(line.msg).includes(CURL_HINT));
    expect(hint?.msg).toContain(`${url}/api/v1/images`);
    expect(hint).toMatchObject({ file: '.pushgate/api-token', role: 'admin', created: true });
    // Every warning about the API's token names the variable.
    expect(first.output()).not.toMatch(/apiTokens: empty/);

    const images = await fetch(`${url}/api/v1/images`, { headers: { authorization: `Bearer ${token}` } });
    expect(images.status).toBe(200);
    // Admin: it may act (a scan of a registry the defaults know; 202 queued).
    const scan = await fetch(`${url}/api/v1/scans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'localhost:5000/team/app:1.0' }),
    });
    expect(scan.status).toBe(202);
    expect(await first.terminate()).toBe(0);

    const second = spawnDevelopmentService('serve', cwd, { REDIS_URL: redis.url });
    cleanup.push(async () => void (await second.terminate()));
    await second.ready();
    expect((await readFile(file, 'utf8')).trim()).toBe(token);
    expect(second.lines().find((line) => String(line.msg).includes(CURL_HINT))).toMatchObject({
      created: false,
    });
    expect(second.output()).not.toContain(token);
    expect(await second.terminate()).toBe(0);
  });

  it('keeps a token file the user wrote, and PUSHGATE_HOST and PUSHGATE_API_TOKENS still win', async () => {
    const cwd = await newDir();
    await mkdir(join(cwd, '.pushgate'));
    const own = 'my-own-development-token-0123456789';
    await writeFile(join(cwd, '.pushgate', 'api-token'), `${own}\n`, { mode: 0o600 });
    const service = spawnDevelopmentService('serve', cwd, { REDIS_URL: redis.url, PUSHGATE_HOST: '0.0.0.0' });
    cleanup.push(async () => void (await service.terminate()));
    const serving = await service.ready();
    expect(serving.listening).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(serving.msg).toMatch(/every interface/);
    const url = String(serving.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await fetch(`${url}/api/v1/images`, { headers: { authorization: `Bearer ${own}` } });
    expect(ok.status).toBe(200);
    expect(await service.terminate()).toBe(0);

    const named = spawnDevelopmentService('serve', cwd, {
      REDIS_URL: redis.url,
      PUSHGATE_API_TOKENS: 'read:reader-token-0123456789abcdef',
    });
    cleanup.push(async () => void (await named.terminate()));
    const again = await named.ready();
    const refused = await fetch(`${String(again.url)}/api/v1/images`, {
      headers: { authorization: `Bearer ${own}` },
    });
    expect(refused.status).toBe(401);
    expect(named.output()).not.toContain('.pushgate/api-token');
    expect(await named.terminate()).toBe(0);
  });

  it('logs an event it ignores (a pull) once, at debug, with the full path', async () => {
    const body = await readFile(PULL);
    const post = (url: string): Promise<Response> =>
      fetch(`${url}/hooks/distribution`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json' },
        body,
      });
    for (const level of ['info', 'debug']) {
      const cwd = await newDir();
      const service = spawnDevelopmentService('serve', cwd, {
        REDIS_URL: redis.url,
        PUSHGATE_LOG_LEVEL: level,
      });
      cleanup.push(async () => void (await service.terminate()));
      const serving = await service.ready();
      const before = service.lines().length;
      const answer = await post(String(serving.url));
      expect(answer.status).toBe(202);
      expect(await answer.json()).toMatchObject({ accepted: 0, ignored: 1 });
      await new Promise((r) => setTimeout(r, 300));
      const logged = service.lines().slice(before);
      if (level === 'info') expect(logged).toEqual([]);
      else
        expect(logged).toEqual([
          expect.objectContaining({
            level: 20,
            msg: 'request',
            path: '/hooks/distribution',
            status: 202,
            endpoint: 'distribution',
            ignored: 1,
          }),
        ]);
      expect(await service.terminate()).toBe(0);
    }
  });
});
