import { describe, expect, it } from 'vitest';
import { scanText, scanVariable } from '../../../src/secrets/scan-text.js';
import { shannonEntropy } from '../../../src/secrets/shannon-entropy.js';
import { expandTemplate } from '../../fixtures/secrets/expand-template.js';

const ghp = expandTemplate('ghp_[[gen::36:alnum]]');
const npm = expandTemplate('npm_[[gen::36:alnum]]', 11);
const scan = (text: string) =>
  scanText(Buffer.from(text, 'latin1')).map((m) => ({
    rule: m.rule.id,
    value: m.value,
    line: m.line,
    key: m.key,
  }));

describe('scanText', () => {
  it('reports rule, value and 1-based line; the earlier rule wins an overlap', () => {
    expect(scan(`first line\nsecond\nGITHUB_TOKEN = "${ghp}"\n`)).toEqual([
      { rule: 'github-pat', value: ghp, line: 3 },
    ]);
  });

  it('reports a value once per text', () => {
    expect(scan(`${ghp}\n${ghp}\n`)).toHaveLength(1);
  });

  it('finds tokens in megabyte-long minified lines, at the start, the end and in between', () => {
    const filler = 'a=1;'.repeat(200_000);
    const found = scan(`${ghp};${filler}x="${npm}";${filler}${ghp.slice(0, 4)}`);
    expect(found.map((f) => f.rule)).toEqual(['github-pat', 'npm-access-token']);
    expect(scan(`${filler}${ghp}`).map((f) => f.value)).toEqual([ghp]);
  });

  it('a token cut short or embedded in a longer run is not a match', () => {
    expect(scan(`${ghp.slice(0, 20)}\nx${ghp}y\n`)).toEqual([]);
  });

  it('needs the whole PEM block: a bare BEGIN line is nothing', () => {
    expect(scan('-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n')).toEqual([]);
    const pem = expandTemplate('[[pem:EC PRIVATE KEY]]');
    const found = scan(`key:\n${pem}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'private-key', line: 2 });
    expect(found[0].value).not.toMatch(/\s|-----/);
  });

  it('finds a minified GCP service-account key and fingerprints the same key equally in PEM form', () => {
    const json = expandTemplate(
      '{"type":"service_account","private_key":"[[pemjson:PRIVATE KEY]]","client_email":"a@b.iam.gserviceaccount.com"}',
      3,
    );
    const pem = expandTemplate('[[pem:PRIVATE KEY]]', 3);
    const [gcp] = scan(json);
    const [key] = scan(pem);
    expect(gcp.rule).toBe('gcp-service-account');
    expect(key.rule).toBe('private-key');
    expect(gcp.value).toBe(key.value);
  });

  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});

describe('scanVariable', () => {
  it('finds values by their shape and keeps the variable name as key', () => {
    expect(scanVariable('GH', ghp).map((m) => [m.rule.id, m.key])).toEqual([['github-pat', 'GH']]);
  });

  it('finds secrets by name when the value has no known shape', () => {
    expect(scanVariable('DB_PASSWORD', 'hunter2-but-longer').map((m) => [m.rule.id, m.key, m.value])).toEqual(
      [['named-variable', 'DB_PASSWORD', 'hunter2-but-longer']],
    );
    for (const [name, value] of [
      ['DB_PASSWORD', ''],
      ['DB_PASSWORD', 'short'],
      ['PASSWORD_FILE', '/run/secrets/db'],
      ['NPM_TOKEN', '${NPM_TOKEN}'],
      ['GPG_KEY', 'A035C8C19219BA821ECEA86B64E628F8D684696D'],
      ['PATH', '/usr/local/bin:/usr/bin'],
    ])
      expect(scanVariable(name, value), name).toEqual([]);
  });
});
