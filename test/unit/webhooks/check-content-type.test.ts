import { describe, expect, it } from 'vitest';
import { checkContentType } from '../../../src/webhooks/check-content-type.js';
import { distributionAdapter } from '../../../src/webhooks/distribution.js';
import { harborAdapter } from '../../../src/webhooks/harbor.js';
import { hasControlCharacter } from './fixture.js';

const refused = expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });

describe('checkContentType', () => {
  it('accepts the types an adapter lists, ignoring parameters and case', () => {
    for (const type of [
      'application/vnd.docker.distribution.events.v1+json',
      'application/vnd.docker.distribution.events.v2+json; charset=utf-8',
      'Application/JSON',
      ' application/json ;charset=UTF-8',
    ]) {
      expect(() => checkContentType(distributionAdapter, { 'content-type': type }), type).not.toThrow();
    }
    expect(() =>
      checkContentType(harborAdapter, { 'Content-Type': 'application/cloudevents+json' }),
    ).not.toThrow();
  });

  it('refuses other, missing, empty and repeated types with 415', () => {
    for (const headers of [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/cloudevents+json' },
      { 'content-type': '' },
      { 'content-type': ['application/json', 'application/json'] },
      {},
    ]) {
      expect(() => checkContentType(distributionAdapter, headers), JSON.stringify(headers)).toThrow(refused);
    }
  });

  it('quotes a hostile content type escaped and truncated', () => {
    const hostile = `text/\u001b[31m${'x'.repeat(5000)}`;
    let thrown: unknown;
    try {
      checkContentType(distributionAdapter, { 'content-type': hostile });
    } catch (err) {
      thrown = err;
    }
    // Outside the try: accepting the type leaves nothing thrown, and this fails.
    expect(thrown).toEqual(refused);
    const message = (thrown as Error).message;
    expect(hasControlCharacter(message)).toBe(false);
    expect(message).toContain('"text/\\x1b[31mxxx');
    expect(message.length).toBeLessThan(400);
  });
});
