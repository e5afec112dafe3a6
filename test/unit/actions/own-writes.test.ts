import { describe, expect, it } from 'vitest';
import { isOwnWrite, type OwnWriteConfig } from '../../../src/actions/own-writes.js';
import type { PushEvent } from '../../../src/webhooks/types.js';

const own: OwnWriteConfig = {
  tagTemplates: ['{{tag}}-verified', 'quarantined-{{digest}}', '{{tag}}-{{decision}}-pushgate'],
  quarantineRepositoryTemplate: 'quarantine/{{repository}}',
};
const HEX = 'ab'.repeat(32);

function event(repository: string, tag?: string): PushEvent {
  return {
    source: 'distribution',
    registry: 'local',
    repository,
    receivedAt: '2025-01-01T00:00:00.000Z',
    ...(tag !== undefined ? { tag } : {}),
  };
}

describe('isOwnWrite', () => {
  it('recognises tags the templates render', () => {
    expect(isOwnWrite(event('team/app', '1.4.2-verified'), own)).toMatch(
      /tag template "\{\{tag\}\}-verified"/,
    );
    expect(isOwnWrite(event('team/app', 'quarantined-sha256-abcdefabcdef'), own)).toBeDefined();
    expect(isOwnWrite(event('team/app', 'v1-reject-pushgate'), own)).toBeDefined();
  });

  it('recognises referrers fallback and cosign tags', () => {
    expect(isOwnWrite(event('team/app', `sha256-${HEX}`), own)).toMatch(/referrers fallback/);
    for (const suffix of ['sig', 'att', 'sbom']) {
      expect(isOwnWrite(event('team/app', `sha256-${HEX}.${suffix}`), own), suffix).toBeDefined();
    }
    expect(isOwnWrite(event('team/app', `sha512-${'0'.repeat(128)}`), own)).toBeDefined();
  });

  it('recognises the quarantine repository at any depth', () => {
    expect(isOwnWrite(event('quarantine/app', '1.0'), own)).toMatch(/quarantine repository/);
    expect(isOwnWrite(event('quarantine/team/sub/app'), own)).toBeDefined();
    const suffixed: OwnWriteConfig = {
      tagTemplates: [],
      quarantineRepositoryTemplate: '{{repository}}-quarantined',
    };
    expect(isOwnWrite(event('team/app-quarantined', 'v1'), suffixed)).toBeDefined();
    expect(isOwnWrite(event('team/app', 'v1'), suffixed)).toBeUndefined();
  });

  it('lets user pushes through', () => {
    for (const [repository, tag] of [
      ['team/app', '1.4.2'],
      ['team/app', 'verified'],
      ['team/app', '1.4.2-verified-x'],
      ['team/app', `sha256-${HEX.slice(0, 12)}`],
      ['team/app', `sha256-${HEX}.tar`],
      ['quarantine', '1.0'],
      ['team/quarantine/app', '1.0'],
      ['myquarantine/app', '1.0'],
    ]) {
      expect(isOwnWrite(event(repository, tag), own), `${repository}:${tag}`).toBeUndefined();
    }
    expect(isOwnWrite(event('team/app'), own)).toBeUndefined();
    expect(
      isOwnWrite(event('quarantine/app'), { tagTemplates: [], quarantineRepositoryTemplate: '' }),
    ).toBeUndefined();
  });

  it('refuses templates that would match everything', () => {
    expect(() =>
      isOwnWrite(event('a', 't'), { tagTemplates: ['{{tag}}'], quarantineRepositoryTemplate: '' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() =>
      isOwnWrite(event('a', 't'), { tagTemplates: [], quarantineRepositoryTemplate: '{{repository}}' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
