import type { Verdict } from '../../policy/types.js';

export type ShownDecision = Verdict['decision'] | 'none';

/** Most serious first: the page's headline is the most serious decision of its verdicts. */
const ORDER: readonly ShownDecision[] = ['reject', 'error', 'tag', 'warn', 'pass', 'none'];

/** The headline decision of some verdicts; `none` when no policy was evaluated. */
export function headlineDecision(verdicts: readonly Verdict[]): ShownDecision {
  let worst: ShownDecision = 'none';
  for (const v of verdicts) if (ORDER.indexOf(v.decision) < ORDER.indexOf(worst)) worst = v.decision;
  return worst;
}

export function decisionLabel(decision: ShownDecision): string {
  return decision === 'none' ? 'not evaluated (no --policy)' : decision.toUpperCase();
}
