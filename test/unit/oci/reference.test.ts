import { describe, expect, it } from 'vitest';
import { formatReference, parseReference, registryApiHost } from '../../../src/oci/reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['index.docker.io/user/app:v2', { registry: 'docker.io', repository: 'user/app', tag: 'v2' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/team/app:1.0', { registry: 'localhost:5000', repository: 'team/app', tag: '1.0' }],
    ['127.0.0.1:5000/a/b/c:x_y-z.1', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'x_y-z.1' }],
    ['ghcr.io/org/app', { registry: 'ghcr.io', repository: 'org/app', tag: 'latest' }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['My.Registry:443/app', { registry: 'My.Registry:443', repository: 'app', tag: 'latest' }],
    [`ghcr.io/org/app@${DIGEST}`, { registry: 'ghcr.io', repository: 'org/app', digest: DIGEST }],
    [`host:5000/app:1.0@${DIGEST}`, { registry: 'host:5000', repository: 'app', tag: '1.0', digest: DIGEST }],
    [`nginx@${DIGEST}`, { registry: 'docker.io', repository: 'library/nginx', digest: DIGEST }],
    ['user/a.b-c__d', { registry: 'docker.io', repository: 'user/a.b-c__d', tag: 'latest' }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['Nginx', 'lowercase'],
    ['host:5000/Team/app', 'lowercase'],
    ['https://host/app', 'URL scheme'],
    ['app:', 'tag'],
    ['app:-x', 'tag'],
    [`app:${'t'.repeat(129)}`, 'tag'],
    ['app@sha256:abc', 'sha256'],
    [`app@md5:${'a'.repeat(32)}`, 'not supported'],
    [`app@sha256:${'A'.repeat(64)}`, 'sha256'],
    ['host:5000/', 'empty'],
    ['host:5000//app', 'repository component'],
    ['app_/x', 'repository component'],
    ['a b', 'whitespace'],
    ['bad_host:99999999/app', 'registry host'],
    [`${'a'.repeat(250)}.io/app`, 'longer than'],
  ])('rejects %j', (text, why) => {
    let caught: unknown;
    try {
      parseReference(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'REFERENCE_INVALID' });
    expect((caught as Error).message).toContain(why);
  });
});

describe('formatReference', () => {
  it('round-trips normalised references', () => {
    for (const text of [
      'docker.io/library/nginx:latest',
      `host:5000/a/b:1@${DIGEST}`,
      `ghcr.io/o/a@${DIGEST}`,
    ]) {
      expect(formatReference(parseReference(text))).toBe(text);
    }
    expect(formatReference(parseReference('nginx'))).toBe('docker.io/library/nginx:latest');
  });
});

describe('registryApiHost', () => {
  it('maps Docker Hub to its API host and leaves others alone', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('localhost:5000')).toBe('localhost:5000');
  });
});
