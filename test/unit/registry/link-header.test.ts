import { describe, expect, it } from 'vitest';
import { nextLink } from '../../../src/registry/link-header.js';

describe('nextLink', () => {
  it('finds rel="next" among links', () => {
    expect(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"')).toBe('/v2/a/tags/list?last=b&n=2');
    expect(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel="next"')).toBe('https://x/next');
    expect(nextLink('</n>; title="t"; rel=next')).toBe('/n');
    expect(nextLink(['</p>; rel="prev"', '</n>; rel="next"'])).toBe('/n');
  });
  it('returns undefined when there is no next link', () => {
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('</p>; rel="prev"')).toBeUndefined();
    expect(nextLink('garbage')).toBeUndefined();
    expect(nextLink('</n>; rel="nextish"')).toBeUndefined();
  });
});
