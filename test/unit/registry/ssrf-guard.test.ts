import { describe, expect, it } from 'vitest';
import { SsrfGuard } from '../../../src/registry/ssrf-guard.js';

function blocked(guard: SsrfGuard, url: string): boolean {
  try {
    guard.check(new URL(url), 'redirect');
    return false;
  } catch (err) {
    expect(err).toMatchObject({ code: 'SSRF_BLOCKED' });
    return true;
  }
}

describe('SsrfGuard', () => {
  const guard = new SsrfGuard({
    registryHost: 'registry.example.com',
    allowedHosts: ['auth.example.com', '*.cdn.example.net', 'blobs.example.org:8443', '10.0.0.5:9000'],
    plainHttpHosts: ['10.0.0.5:9000'],
  });

  it('allows the registry and listed hosts over https', () => {
    for (const url of [
      'https://registry.example.com/v2/',
      'https://REGISTRY.example.com:443/v2/',
      'https://auth.example.com/token',
      'https://eu.cdn.example.net/blob',
      'https://a.b.cdn.example.net/blob',
      'https://blobs.example.org:8443/x',
      'http://10.0.0.5:9000/x',
    ]) {
      expect(blocked(guard, url), url).toBe(false);
    }
  });

  it('refuses other hosts, other ports, http, unlisted IPs and URLs with credentials', () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://evil.example.com/',
      'https://registry.example.com:5000/v2/',
      'https://auth.example.com:8443/token',
      'https://cdn.example.net/blob',
      'https://blobs.example.org/x',
      'http://registry.example.com/v2/',
      'http://auth.example.com/token',
      'https://user:pw@auth.example.com/token',
      'ftp://auth.example.com/',
      'file:///etc/passwd',
      'https://10.0.0.5:9000/x'.replace('https', 'gopher'),
    ]) {
      expect(blocked(guard, url), url).toBe(true);
    }
  });

  it('knows the registry origin and whether plain HTTP applies to it', () => {
    expect(guard.registryOrigin).toBe('https://registry.example.com');
    const plain = new SsrfGuard({ registryHost: '127.0.0.1:5000', plainHttpHosts: ['127.0.0.1:5000'] });
    expect(plain.registryOrigin).toBe('http://127.0.0.1:5000');
    expect(plain.isRegistryOrigin(new URL('http://127.0.0.1:5000/v2/x'))).toBe(true);
    expect(plain.isRegistryOrigin(new URL('http://127.0.0.1:5001/v2/x'))).toBe(false);
    // https→http downgrade of the registry itself is refused unless plain HTTP was asked for.
    expect(blocked(guard, 'http://registry.example.com/v2/')).toBe(true);
  });

  // The URL parser makes every host that ends in a numeric label an IPv4 address (`x.10.0.0.5` is
  // no URL at all, `1.2.3` is 1.2.0.3), so the only way a wildcard could reach an IP is a wildcard
  // written over one: that entry is refused, not silently kept as a pattern that matches nothing.
  it('never lets a wildcard match an IP address: a wildcard over an IP is a configuration error', () => {
    for (const entry of [
      '*.10.0.0.5',
      '*.10.0.0.5:9000',
      '*.1.2.3',
      '*.0x7f.1',
      '*.[::1]',
      '*.[::ffff:a00:5]:443',
    ]) {
      expect(() => new SsrfGuard({ registryHost: 'r', allowedHosts: [entry] }), entry).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          message: expect.stringContaining('wildcard over an IP'),
        }),
      );
      expect(() => new SsrfGuard({ registryHost: 'r', plainHttpHosts: [entry] }), entry).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
    // Names that merely contain digits stay wildcards.
    const digits = new SsrfGuard({
      registryHost: 'r',
      allowedHosts: ['*.10.0.0.5.nip.example', '*.s3-1.example'],
    });
    expect(blocked(digits, 'https://x.10.0.0.5.nip.example/blob')).toBe(false);
    expect(blocked(digits, 'https://eu.s3-1.example/blob')).toBe(false);
    expect(blocked(digits, 'https://10.0.0.5/blob')).toBe(true);
  });

  it('rejects malformed allow-list entries as configuration errors', () => {
    expect(() => new SsrfGuard({ registryHost: 'r', allowedHosts: ['https://x/path'] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
