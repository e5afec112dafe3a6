import { describe, expect, it } from 'vitest';
import { dockerConfigParser } from '../../../../src/secrets/credential-files/docker-config.js';
import { scanFile } from '../../../../src/secrets/scan-file.js';

const auth = Buffer.from('builder:Zq81vNw3pLk2TtR9').toString('base64');

describe('dockerConfigParser', () => {
  it('reports auths.*.auth holding a password and identity tokens', () => {
    const text = JSON.stringify(
      {
        auths: {
          'registry.example.com': { auth },
          'ghcr.io': { identitytoken: 'eyJhbGciOiJSUzI1NiJ9.abc123' },
        },
      },
      null,
      2,
    );
    expect(dockerConfigParser.parse(text)).toEqual([
      { rule: 'docker-config-auth', key: 'auths.registry.example.com.auth', value: auth, line: 4 },
      {
        rule: 'docker-config-auth',
        key: 'auths.ghcr.io.identitytoken',
        value: 'eyJhbGciOiJSUzI1NiJ9.abc123',
        line: 7,
      },
    ]);
  });

  it('credsStore / credHelpers only, empty auth entries and a user without password are fine', () => {
    const text = JSON.stringify({
      auths: {
        'ghcr.io': {},
        'docker.io': { auth: '' },
        'quay.io': { auth: Buffer.from('user:').toString('base64') },
      },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud' },
    });
    expect(dockerConfigParser.parse(text)).toEqual([]);
  });

  it('reads the legacy .dockercfg map and survives invalid JSON', () => {
    expect(
      dockerConfigParser.parse(JSON.stringify({ 'https://index.docker.io/v1/': { auth, email: 'a@b.c' } })),
    ).toHaveLength(1);
    expect(dockerConfigParser.parse('{"auths": {')).toEqual([]);
    expect(dockerConfigParser.parse('[1,2]')).toEqual([]);
  });

  it('through scanFile: with auth → one finding; credsStore only → none', () => {
    const withAuth = scanFile(
      'root/.docker/config.json',
      Buffer.from(JSON.stringify({ auths: { 'r.example': { auth } } })),
    ).secrets;
    expect(withAuth).toEqual([
      { rule: 'docker-config-auth', key: 'auths.r.example.auth', value: auth, line: 1 },
    ]);
    const storeOnly = scanFile(
      'root/.docker/config.json',
      Buffer.from(JSON.stringify({ auths: { 'r.example': {} }, credsStore: 'pass' })),
    ).secrets;
    expect(storeOnly).toEqual([]);
  });
});
