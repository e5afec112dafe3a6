import { describe, expect, it } from 'vitest';
import { loggablePath } from '../../../src/server/request-log.js';

describe('loggablePath', () => {
  it('never shows the secret segment of a path-authenticated webhook', () => {
    expect(loggablePath('/hooks/quay/S3CRETVALUE')).toBe('/hooks/quay/<redacted>');
    expect(loggablePath('/hooks/dockerhub/a/b/c')).toBe('/hooks/dockerhub/<redacted>');
    expect(loggablePath('/hooks/distribution')).toBe('/hooks/distribution');
    expect(loggablePath('/api/v1/images')).toBe('/api/v1/images');
  });

  it('caps long paths', () => {
    expect(loggablePath(`/${'x'.repeat(1000)}`)).toHaveLength(200);
  });
});
