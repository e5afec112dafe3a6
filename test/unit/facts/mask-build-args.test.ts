import { describe, expect, it } from 'vitest';
import { maskBuildArgs } from '../../../src/facts/mask-build-args.js';

describe('maskBuildArgs', () => {
  it('masks secret-looking build arguments and keeps the others', () => {
    const masked = maskBuildArgs(
      '|3 NPM_TOKEN=npm_abcdefghijklmnop VERSION=1.2 DB_PASSWORD=hunter2 /bin/sh -c npm ci',
    );
    expect(masked).toBe('|3 NPM_TOKEN=***(20 chars) VERSION=1.2 DB_PASSWORD=***(7 chars) /bin/sh -c npm ci');
    expect(masked).not.toContain('npm_abcdefghijklmnop');
  });

  it('leaves commands without build arguments alone', () => {
    expect(maskBuildArgs('/bin/sh -c apt-get install -y gcc')).toBe('/bin/sh -c apt-get install -y gcc');
    expect(maskBuildArgs('')).toBe('');
  });

  it('copes with a count larger than the tokens present', () => {
    expect(maskBuildArgs('|2 API_KEY=x')).toBe('|2 API_KEY=***(1 chars)');
  });
});
