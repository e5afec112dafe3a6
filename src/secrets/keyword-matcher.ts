/** Finds every occurrence of a set of ASCII keywords in bytes, ignoring ASCII case. */
export interface KeywordMatcher {
  readonly keywords: readonly string[];
  /**
   * Calls `onHit(keywordIndex, endOffset)` for every occurrence, in order of end offset
   * (`endOffset` is one past the keyword's last byte); at one end offset, longer keywords first.
   */
  scan(bytes: Uint8Array, onHit: (keyword: number, end: number) => void): void;
}
