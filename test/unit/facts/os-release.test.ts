import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../../src/facts/extractors/os-release.js';

describe('parseOsRelease', () => {
  it('reads quoted and unquoted values', () => {
    const text =
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
    expect(parseOsRelease(text)).toEqual({
      id: 'debian',
      versionId: '12',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('handles escapes, comments and single quotes', () => {
    expect(parseOsRelease('# comment\nID=\'alpine\'\nPRETTY_NAME="say \\"hi\\""\n')).toEqual({
      id: 'alpine',
      prettyName: 'say "hi"',
    });
  });

  it('returns undefined without an ID', () => {
    expect(parseOsRelease('NAME=nothing\n')).toBeUndefined();
  });
});
