import type { HostileCase } from '../hostile-case.js';
import { nullConfigFieldCases } from './null-config-fields.js';
import { malformedConfigCases } from './malformed-config.js';
import { terminalEscapeCases } from './terminal-escapes.js';
import { dribblingRegistryCases } from './dribbling-registry.js';
import { hostileEngineCases } from './hostile-engine.js';
import { unverifiedDiffIdCases } from './unverified-diff-id.js';
import { archiveNameCases } from './archive-name.js';
import { policyTypoCases } from './policy-typo.js';
import { compressionBombCases } from './compression-bombs.js';
import { millionEntryCases } from './million-entries.js';
import { brokenLayerCases } from './broken-layers.js';
import { manifestShapeCases } from './manifest-shapes.js';
import { filesystemTrickCases } from './filesystem-tricks.js';

/**
 * Every hostile-input case, in one explicit list: adding a case is one file (or one entry in a
 * family) and one line here. test/hostile/catalogue.test.ts fails on a file whose cases are not
 * listed and on a repeated id.
 */
export const CATALOGUE: readonly HostileCase[] = [
  // Issue 9's holes, in its order.
  ...nullConfigFieldCases,
  ...malformedConfigCases,
  ...terminalEscapeCases,
  ...dribblingRegistryCases,
  ...hostileEngineCases,
  ...unverifiedDiffIdCases,
  ...archiveNameCases,
  ...policyTypoCases,
  // Classics that already hold and must keep holding.
  ...compressionBombCases,
  ...millionEntryCases,
  ...brokenLayerCases,
  ...manifestShapeCases,
  ...filesystemTrickCases,
];

export function assertUniqueCaseIds(cases: readonly HostileCase[]): void {
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`hostile case id "${c.id}" is listed twice`);
    seen.add(c.id);
  }
}

assertUniqueCaseIds(CATALOGUE);
