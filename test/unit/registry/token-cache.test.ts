import { describe, expect, it } from 'vitest';
import { TokenCache, tokenExpiry } from '../../../src/registry/token-cache.js';

describe('tokenExpiry', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('is issued_at + max(expires_in, 60) - 10 s', () => {
    expect(tokenExpiry({ expiresIn: 300, issuedAt: '2026-01-01T00:00:00Z' }, now + 2000)).toBe(now + 290_000);
    expect(tokenExpiry({ expiresIn: 5 }, now)).toBe(now + 50_000);
    expect(tokenExpiry({}, now)).toBe(now + 50_000);
  });
  it('ignores an issued_at that is far from our clock', () => {
    expect(tokenExpiry({ expiresIn: 300, issuedAt: '2020-01-01T00:00:00Z' }, now)).toBe(now + 290_000);
    expect(tokenExpiry({ expiresIn: 300, issuedAt: 'not a date' }, now)).toBe(now + 290_000);
  });
});

describe('TokenCache', () => {
  it('keys by realm, service, scope set (order-free) and credential', () => {
    const a = TokenCache.key({ realm: 'r', service: 's', scopes: ['b', 'a'], credentialId: 'c' });
    expect(a).toBe(TokenCache.key({ realm: 'r', service: 's', scopes: ['a', 'b', 'a'], credentialId: 'c' }));
    expect(a).not.toBe(
      TokenCache.key({ realm: 'r', service: 's', scopes: ['a', 'b'], credentialId: 'other' }),
    );
    expect(a).not.toBe(TokenCache.key({ realm: 'r', service: 's2', scopes: ['a', 'b'], credentialId: 'c' }));
  });

  it('keys a scope by its set of actions, whatever their order', () => {
    const key = (scopes: string[]) => TokenCache.key({ realm: 'r', scopes, credentialId: 'c' });
    expect(key(['repository:a:pull,push'])).toBe(key(['repository:a:push,pull']));
    expect(key(['repository:a:pull,push'])).toBe(key(['repository:a:push', 'repository:a:pull']));
    expect(key(['repository:a:pull,push'])).not.toBe(key(['repository:a:pull']));
  });

  it('shares one fetch between concurrent callers and caches until expiry', async () => {
    let clock = 1000;
    const cache = new TokenCache(() => clock);
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 20));
      return { token: `t${fetches}`, expiresAt: clock + 5000 };
    };
    const results = await Promise.all([cache.get('k', fetch), cache.get('k', fetch), cache.get('k', fetch)]);
    expect(fetches).toBe(1);
    expect(results.map((r) => r.token)).toEqual(['t1', 't1', 't1']);
    expect((await cache.get('k', fetch)).token).toBe('t1');
    clock += 5000;
    expect(cache.peek('k')).toBeUndefined();
    expect((await cache.get('k', fetch)).token).toBe('t2');
  });

  it('does not cache failures', async () => {
    const cache = new TokenCache();
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await cache.get('k', async () => ({ token: 'ok', expiresAt: Date.now() + 60_000 }))).token).toBe(
      'ok',
    );
    cache.invalidate('k');
    expect(cache.peek('k')).toBeUndefined();
  });
});
