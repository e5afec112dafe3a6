import { describe, expect, it } from 'vitest';
import { parseYarnIntegrity } from '../../../../src/facts/dev-deps/yarn.js';

describe('parseYarnIntegrity', () => {
  it('reads the production flag, also from a truncated file', () => {
    expect(parseYarnIntegrity('{"systemParams": "x", "flags": ["production"], "lockfileEntries": {')).toEqual(
      {
        production: true,
      },
    );
    expect(parseYarnIntegrity('{"flags": [], "topLevelPatterns": ["jest@^29"]}')).toEqual({
      production: false,
    });
    expect(parseYarnIntegrity('{"flags": ["flat"]}')).toEqual({ production: false });
  });

  it('says null when flags cannot be read', () => {
    expect(parseYarnIntegrity('{"systemParams": "x"')).toEqual({ production: null });
    expect(parseYarnIntegrity('{"flags": [production]}')).toEqual({ production: null });
  });
});
