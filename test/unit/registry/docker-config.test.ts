import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerConfig, loadDockerConfig, normaliseRegistryKey } from '../../../src/registry/docker-config.js';
import { tempDir } from '../../support/temp-dir.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('normaliseRegistryKey', () => {
  it('strips schemes and paths and folds Docker Hub names', () => {
    expect(normaliseRegistryKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normaliseRegistryKey('registry-1.docker.io')).toBe('docker.io');
    expect(normaliseRegistryKey('http://Host:5000/v2/')).toBe('host:5000');
    expect(normaliseRegistryKey('ghcr.io')).toBe('ghcr.io');
  });
});

describe('DockerConfig', () => {
  let dir: { path: string; remove(): Promise<void> };
  let savedPath: string | undefined;

  beforeAll(async () => {
    dir = await tempDir();
    // A fake credential helper on PATH, to see helpers run only when enabled.
    const helper = join(dir.path, 'docker-credential-fake');
    await writeFile(
      helper,
      '#!/bin/sh\nread server\nif [ "$server" = "helped.example" ]; then echo \'{"ServerURL":"helped.example","Username":"hu","Secret":"hs"}\'; ' +
        'elif [ "$server" = "token.example" ]; then echo \'{"Username":"<token>","Secret":"refresh"}\'; ' +
        'else echo "credentials not found in native keychain"; exit 1; fi\n',
    );
    await chmod(helper, 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${dir.path}:${savedPath ?? ''}`;
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await dir.remove();
  });

  const json = {
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
      'localhost:5000': { username: 'u', password: 'p' },
      'http://private.example:8443/v2/': { auth: b64('x:y\u0000\u0000') },
      'idp.example': { identitytoken: 'refresh-token' },
      'empty.example': {},
      'helped.example': { auth: b64('from:auths') },
    },
    credHelpers: { 'helped.example': 'fake', 'token.example': 'fake', 'missing.example': 'fake' },
  };

  it('reads auths entries in their different forms', async () => {
    const config = new DockerConfig(json, 'config.json');
    expect(await config.credentialsFor('docker.io')).toEqual({ username: 'hubuser', password: 'hub:pass' });
    expect(await config.credentialsFor('localhost:5000')).toEqual({ username: 'u', password: 'p' });
    expect(await config.credentialsFor('private.example:8443')).toEqual({ username: 'x', password: 'y' });
    expect(await config.credentialsFor('idp.example')).toEqual({ identityToken: 'refresh-token' });
    expect(await config.credentialsFor('empty.example')).toBeUndefined();
    expect(await config.credentialsFor('unknown.example')).toBeUndefined();
  });

  it('ignores credential helpers unless enabled', async () => {
    const off = new DockerConfig(json, 'config.json');
    expect(await off.credentialsFor('helped.example')).toEqual({ username: 'from', password: 'auths' });
    expect(await off.credentialsFor('token.example')).toBeUndefined();
    const on = new DockerConfig(json, 'config.json', { credentialHelpers: true });
    expect(await on.credentialsFor('helped.example')).toEqual({ username: 'hu', password: 'hs' });
    expect(await on.credentialsFor('token.example')).toEqual({ identityToken: 'refresh' });
    expect(await on.credentialsFor('missing.example')).toBeUndefined();
  });

  it('refuses invalid helper names and malformed files with CONFIG_INVALID', async () => {
    const bad = new DockerConfig({ credsStore: '../../bin/sh' }, 'c.json', { credentialHelpers: true });
    await expect(bad.credentialsFor('any.example')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(() => new DockerConfig([], 'c.json')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new DockerConfig({ auths: { h: { auth: b64('nocolon') } } }, 'c.json')).not.toThrow();
    await expect(
      new DockerConfig({ auths: { h: { auth: b64('nocolon') } } }, 'c.json').credentialsFor('h'),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    const file = join(dir.path, 'broken.json');
    await writeFile(file, '{ not json');
    await expect(loadDockerConfig(file)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(loadDockerConfig(join(dir.path, 'absent.json'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('loads a config file from disk', async () => {
    const file = join(dir.path, 'config.json');
    await writeFile(file, JSON.stringify(json));
    const config = await loadDockerConfig(file);
    expect(await config.credentialsFor('localhost:5000')).toEqual({ username: 'u', password: 'p' });
  });
});
