import { describe, expect, it } from 'vitest';
import type { RegistryConfig } from '../../../src/config/types.js';
import { redactConfig } from '../../../src/config/redact-config.js';
import { tagLookupRegistries } from '../../../src/server/admission-decider.js';

const base: RegistryConfig = {
  name: 'harbor',
  url: 'https://registry.example.com',
  host: 'registry.example.com',
  aliases: [],
  allowDelete: true,
  credentials: { username: 'pushgate', password: 'write-secret' },
};

describe('admission tag lookups and pullCredentials', () => {
  it('use the read-only pull account when one is set, else the registry credentials', () => {
    const withPull = { ...base, pullCredentials: { username: 'reader', password: 'read-secret' } };
    expect(tagLookupRegistries([withPull, base]).map((r) => r.credentials?.username)).toEqual([
      'reader',
      'pushgate',
    ]);
  });

  it('redacts the pull account password in config show', () => {
    const config = {
      server: { apiTokens: [] },
      redis: {},
      registries: [{ ...base, pullCredentials: { username: 'reader', password: 'read-secret' } }],
      webhooks: [],
      enforcement: { notify: [] },
      secrets: { fingerprintKey: 'k' },
    } as unknown as Parameters<typeof redactConfig>[0];
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('read-secret');
    expect(shown).toContain('reader');
  });
});
