import { matchesAnyGlob } from './match-scope.js';
import type { Waiver } from './types.js';

/** The image a waiver's scopes are matched against. */
export interface WaiverTarget {
  repository: string;
  tag?: string;
  digest: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A waiver applies through the whole (UTC) day named by `expires` and never after; a date that
 * does not parse counts as expired, so a typo cannot make a waiver eternal.
 */
export function isWaiverExpired(waiver: Pick<Waiver, 'expires'>, now: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(waiver.expires)) return true;
  const start = Date.parse(`${waiver.expires}T00:00:00Z`);
  if (Number.isNaN(start)) return true;
  return now.getTime() >= start + DAY_MS;
}

/** What a waiver is matched against: the rule and every evidence path (not only the ones reported). */
export interface WaiverCandidate {
  rule: string;
  evidencePaths: readonly string[];
}

function waiverMatches(waiver: Waiver, violation: WaiverCandidate, target: WaiverTarget): boolean {
  if (waiver.rule !== violation.rule) return false;
  if (waiver.repositories && !matchesAnyGlob(waiver.repositories, target.repository)) return false;
  if (waiver.tags && !matchesAnyGlob(waiver.tags, target.tag)) return false;
  if (waiver.digest !== undefined && waiver.digest !== target.digest) return false;
  if (waiver.paths) {
    // Every piece of evidence must be covered: a waiver for /usr/bin/make must not hide a gcc.
    const paths = violation.evidencePaths;
    if (paths.length === 0) return false;
    // Globs without a leading slash still match absolute evidence paths.
    const globs = waiver.paths.map((glob) => (glob.startsWith('/') ? glob : `/${glob}`));
    if (!paths.every((path) => matchesAnyGlob(globs, path))) return false;
  }
  return true;
}

/** The first non-expired waiver whose rule and scopes cover the violation, if any. */
export function findWaiver(
  waivers: readonly Waiver[] | undefined,
  violation: WaiverCandidate,
  target: WaiverTarget,
  now: Date,
): Waiver | undefined {
  return waivers?.find((waiver) => !isWaiverExpired(waiver, now) && waiverMatches(waiver, violation, target));
}
