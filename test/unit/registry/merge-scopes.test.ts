import { describe, expect, it } from 'vitest';
import { canonicalScopes, mergeScopes, scopesCover } from '../../../src/registry/merge-scopes.js';

describe('mergeScopes', () => {
  it('merges the actions of one resource in first-seen order', () => {
    expect(mergeScopes(['repository:a:pull,push'], ['repository:a:push,pull'])).toEqual([
      'repository:a:pull,push',
    ]);
    expect(mergeScopes(['repository:a:pull'], ['repository:a:delete,pull', 'repository:b:pull'])).toEqual([
      'repository:a:pull,delete',
      'repository:b:pull',
    ]);
  });

  it('keeps a name with a port, a resource class and scopes without actions', () => {
    expect(
      mergeScopes(['repository:host:5000/a:pull', 'repository(plugin):p:pull', 'odd', 'odd', ' ', 'x:y']),
    ).toEqual(['repository:host:5000/a:pull', 'repository(plugin):p:pull', 'odd', 'x:y']);
  });
});

describe('scopesCover', () => {
  it('compares actions as sets per resource', () => {
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:push,pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull,push'])).toBe(false);
    expect(scopesCover(['repository:a:pull,push'], ['repository:b:pull'])).toBe(false);
    expect(scopesCover(['repository:a:pull', 'repository:a:push'], ['repository:a:push,pull'])).toBe(true);
    expect(scopesCover(['odd'], ['odd'])).toBe(true);
    expect(scopesCover([], ['odd'])).toBe(false);
    expect(scopesCover(['repository:a:pull'], [])).toBe(true);
  });
});

describe('canonicalScopes', () => {
  it('is the same text for the same scope set', () => {
    expect(canonicalScopes(['repository:b:push,pull', 'repository:a:pull'])).toBe(
      canonicalScopes(['repository:a:pull', 'repository:b:pull', 'repository:b:push']),
    );
    expect(canonicalScopes(['repository:a:pull'])).not.toBe(canonicalScopes(['repository:a:pull,push']));
  });
});
