import { describe, expect, it } from 'vitest';
import { KeywordAutomaton } from '../../../src/secrets/keyword-automaton.js';

function hits(keywords: string[], text: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  new KeywordAutomaton(keywords).scan(Buffer.from(text, 'latin1'), (k, end) => out.push([keywords[k], end]));
  return out;
}

describe('KeywordAutomaton', () => {
  it('finds every occurrence, overlapping ones too, ignoring ASCII case, in end order', () => {
    expect(hits(['he', 'she', 'hers', 'his'], 'uSHErs his')).toEqual([
      ['she', 4],
      ['he', 4],
      ['hers', 6],
      ['his', 10],
    ]);
  });

  it('handles keywords with punctuation and bytes no keyword uses', () => {
    expect(hits(['ghp_', 'sk-ant-', '-----begin'], '\u00ff\u0000x GHP_ sk-ant- -----BEGIN')).toEqual([
      ['ghp_', 8],
      ['sk-ant-', 16],
      ['-----begin', 27],
    ]);
    expect(hits(['token'], '')).toEqual([]);
    expect(hits(['token'], 'tokentoken')).toEqual([
      ['token', 5],
      ['token', 10],
    ]);
  });

  it('refuses keywords with NUL', () => {
    expect(() => new KeywordAutomaton(['a\u0000'])).toThrow(/NUL/);
  });
});
