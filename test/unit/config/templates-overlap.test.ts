import { describe, expect, it } from 'vitest';
import { templatesOverlap } from '../../../src/config/templates-overlap.js';

describe('templatesOverlap', () => {
  it.each([
    ['{{tag}}-rejected', '{{tag}}-rejected'],
    ['x-{{tag}}', '{{tag}}-x'],
    ['{{tag}}-ok', '{{tag}}-{{decision}}'],
    ['pushgate-{{digest}}', 'pushgate-{{tag}}'],
    ['{{tag}}.{{decision}}', 'a.b'],
  ])('%s and %s can render the same tag', (a, b) => {
    expect(templatesOverlap(a, b)).toBe(true);
    expect(templatesOverlap(b, a)).toBe(true);
  });

  it.each([
    ['{{tag}}-rejected', '{{tag}}-verified'],
    ['rejected-{{tag}}', 'verified-{{tag}}'],
    ['{{tag}}-ok', 'ok'],
    ['a-{{tag}}', 'b'],
    ['{{tag}}-x', '{{tag}}:x'],
  ])('%s and %s cannot', (a, b) => {
    expect(templatesOverlap(a, b)).toBe(false);
    expect(templatesOverlap(b, a)).toBe(false);
  });
});
