import { describe, expect, it } from 'vitest';
import { hostHint } from '../../../src/webhooks/host-hint.js';

describe('hostHint', () => {
  it('reads bare hosts, with ports and IP literals', () => {
    expect(hostHint('Registry.Example.com', 'host')).toBe('registry.example.com');
    expect(hostHint('127.0.0.1:5000', 'host')).toBe('127.0.0.1:5000');
    expect(hostHint('[::1]:5000', 'host')).toBe('[::1]:5000');
    expect(hostHint('registry.example.com.', 'host')).toBe('registry.example.com');
    expect(hostHint('https://registry.example.com:443/v2/', 'host')).toBe('registry.example.com');
  });

  it('reads the host of a reference only when Docker would', () => {
    expect(hostHint('hub.harbor.com/test-webhook/debian:latest', 'reference')).toBe('hub.harbor.com');
    expect(hostHint('localhost/harbor/alpine@sha256:abc', 'reference')).toBe('localhost');
    expect(hostHint('quay.example.com:8443/ns/repo', 'reference')).toBe('quay.example.com:8443');
    expect(hostHint('library/busybox:latest', 'reference')).toBeUndefined();
    expect(hostHint('quay.io', 'reference')).toBeUndefined();
  });

  it('reads base URLs', () => {
    expect(hostHint('https://acme.jfrog.io', 'url')).toBe('acme.jfrog.io');
    expect(hostHint('https://acme.jfrog.io/artifactory/', 'url')).toBe('acme.jfrog.io');
    expect(hostHint('acme.jfrog.io', 'url')).toBe('acme.jfrog.io');
  });

  it('refuses what is not a host', () => {
    for (const value of [
      undefined,
      null,
      42,
      '',
      '   ',
      'evil.example.com/path',
      'user@evil.example.com',
      'https://user:pass@evil.example.com/',
      'evil example.com',
      'evil.example.com:99999999',
      '-evil.example.com',
      'a'.repeat(300),
      'http://[not-ip]/',
      'evil\u0000.example.com',
    ]) {
      expect(hostHint(value, 'host'), String(value)).toBeUndefined();
    }
  });
});
