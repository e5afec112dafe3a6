import type { FactExtractor } from '../extractor.js';
import { osRelease } from './os-release.js';

/**
 * Every extractor, in one explicit list. Adding a detector is one file and one line here; a test
 * fails when a file in this folder is missing from the list or an id appears twice.
 */
export const EXTRACTORS: readonly FactExtractor[] = [osRelease as FactExtractor];

export function assertUniqueIds(extractors: readonly FactExtractor[]): void {
  const seen = new Set<string>();
  for (const extractor of extractors) {
    if (seen.has(extractor.id)) throw new Error(`extractor id "${extractor.id}" is registered twice`);
    seen.add(extractor.id);
  }
}

assertUniqueIds(EXTRACTORS);
