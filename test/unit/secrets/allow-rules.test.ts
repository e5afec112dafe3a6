import { describe, expect, it } from 'vitest';
import { isAllowedValue, isCodeIdentifier, isReference } from '../../../src/secrets/allow-rules.js';

describe('allow rules', () => {
  it('allows documented example keys and placeholders', () => {
    for (const value of [
      'AKIAIOSFODNN7EXAMPLE',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      '',
      '   ',
      'changeme',
      'CHANGEME',
      '<your-token>',
      '${NPM_TOKEN}',
      '$NPM_TOKEN',
      '{{ .Values.password }}',
      '%(password)s',
      'xxxxxxxxxxxx',
      'ghp_xxxxxxxxxxxxxxxxxxxx',
      '********',
      'your-api-key-here',
      'your_token',
      'process.env.API_KEY',
      'os.environ["TOKEN"]',
      'aaaaaaaaaaaa',
      'bm90IG15IHJlYWwgcGFzc3dvcmQ=',
    ])
      expect(isAllowedValue(value), value).toBe(true);
  });

  it('does not allow random-looking values', () => {
    for (const value of ['Zq81vNw3pLk2TtR9', 'npm_4fGh7Jk2Lm9Qr3St6Vw8Xy1Za5Bc0De2Fg4H', 'hunter2x'])
      expect(isAllowedValue(value), value).toBe(false);
  });

  it('recognises paths and URLs as references (for free-form rules only)', () => {
    for (const value of ['/run/secrets/token', './key', '~/.token', 'https://example.com/token'])
      expect(isReference(value), value).toBe(true);
    expect(isReference('ab/cd+ef')).toBe(false);
  });

  it('recognises code identifiers (for generic assignments only)', () => {
    for (const value of [
      'exports.STRICT_TOKEN',
      'self.get_password',
      'DEFAULT_TOKEN_TYPE',
      'getAccessToken',
      'PKCS7PrivateKeyTypes',
      'v8::Private::ForApi',
      'projects/p/secrets/s/versions/1',
      'OpeningParenToken$1',
    ])
      expect(isCodeIdentifier(value), value).toBe(true);
    for (const value of ['eav1OzQB0OM8rLdGXOEsyQWSG', 'Zq81vNw3pLk2TtR9'])
      expect(isCodeIdentifier(value), value).toBe(false);
  });
});
