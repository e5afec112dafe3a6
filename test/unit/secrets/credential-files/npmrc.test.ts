import { describe, expect, it } from 'vitest';
import { npmrcParser } from '../../../../src/secrets/credential-files/npmrc.js';
import { scanFile } from '../../../../src/secrets/scan-file.js';
import { expandTemplate } from '../../../fixtures/secrets/expand-template.js';

const token = expandTemplate('npm_[[gen::36:alnum]]');

describe('npmrcParser', () => {
  it('reads unquoted, quoted and scoped _authToken, _auth and _password', () => {
    const text = [
      `//registry.example.com/:_authToken=${token}`,
      `//npm.pkg.github.com/:_authToken = "${token}x"`,
      `_auth='dXNlcjpzM2NyZXQ='`,
      '//registry.internal/:_password=c2VjcmV0LXBhc3M=',
      '# //old/:_authToken=commented',
      'registry=https://registry.example.com/',
    ].join('\n');
    expect(npmrcParser.parse(text)).toEqual([
      { rule: 'npmrc-credential', key: '//registry.example.com/:_authToken', value: token, line: 1 },
      { rule: 'npmrc-credential', key: '//npm.pkg.github.com/:_authToken', value: `${token}x`, line: 2 },
      { rule: 'npmrc-credential', key: '_auth', value: 'dXNlcjpzM2NyZXQ=', line: 3 },
      { rule: 'npmrc-credential', key: '//registry.internal/:_password', value: 'c2VjcmV0LXBhc3M=', line: 4 },
    ]);
  });

  it('reads yarn berry npmAuthToken', () => {
    expect(
      npmrcParser.parse(`npmRegistries:\n  "//npm.example.com":\n    npmAuthToken: "${token}"\n`),
    ).toEqual([{ rule: 'npmrc-credential', key: 'npmAuthToken', value: token, line: 3 }]);
  });

  it('matches .npmrc anywhere (node_modules too), npmrc, .yarnrc.yml', () => {
    expect(npmrcParser.matches('app/node_modules/x/.npmrc', '.npmrc')).toBe(true);
    expect(npmrcParser.matches('usr/etc/npmrc', 'npmrc')).toBe(true);
    expect(npmrcParser.matches('app/.yarnrc.yml', '.yarnrc.yml')).toBe(true);
    expect(npmrcParser.matches('app/npmrc.md', 'npmrc.md')).toBe(false);
  });

  it('through scanFile: an unquoted token is one npmrc finding (not also npm-access-token); ${VAR} is fine', () => {
    const found = scanFile(
      'root/.npmrc',
      Buffer.from(`//registry.example.com/:_authToken=${token}\n`),
    ).secrets;
    expect(found).toEqual([
      { rule: 'npmrc-credential', key: '//registry.example.com/:_authToken', value: token, line: 1 },
    ]);
    expect(
      scanFile('root/.npmrc', Buffer.from('//registry.example.com/:_authToken=${NPM_TOKEN}\n')).secrets,
    ).toEqual([]);
  });
});
