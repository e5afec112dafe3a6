import picomatch from 'picomatch';
import type { PolicyMode, PolicySpec, Scope } from './types.js';

/** What a scope is matched against. */
export interface ScopeTarget {
  registry: string;
  repository: string;
  /** Absent when the image was pushed or referenced by digest only. */
  tag?: string;
  /** `os/arch[/variant]` */
  platform: string;
  /** The Kubernetes namespace of the pod (admission); absent for a registry push or a scan. */
  namespace?: string;
}

type Matcher = (value: string) => boolean;

// Policies are compiled once but matched per image: keep each glob's matcher.
const matchers = new Map<string, Matcher>();

function matcherFor(glob: string): Matcher {
  let matcher = matchers.get(glob);
  if (!matcher) {
    // `dot`: repository and tag names may begin with a dot; they are not hidden files.
    matcher = picomatch(glob, { dot: true });
    matchers.set(glob, matcher);
  }
  return matcher;
}

/** True when `value` matches any of `globs` (`*` within a `/` segment, `**` across segments). */
export function matchesAnyGlob(globs: readonly string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  return globs.some((glob) => matcherFor(glob)(value));
}

/**
 * The fields of `scope` that apply to `target`: without a namespace (a registry push, a scan)
 * `namespaces` is left out, so adding it to a scope never changes how pushes are judged.
 */
function effectiveFields(
  scope: Scope,
  target: ScopeTarget,
): Array<[string[] | undefined, string | undefined]> {
  return [
    [scope.registries, target.registry],
    [scope.repositories, target.repository],
    [scope.tags, target.tag],
    [scope.platforms, target.platform],
    [target.namespace === undefined ? undefined : scope.namespaces, target.namespace],
  ];
}

/** A scope that names nothing (for this target): as `exclude`, it excludes nothing. */
function isEmpty(scope: Scope | undefined, target: ScopeTarget): boolean {
  return !scope || effectiveFields(scope, target).every(([globs]) => globs === undefined);
}

/**
 * Every field the scope names must match (a list matches when any of its globs does); fields it
 * does not name match anything. A `tags` field never matches an image without a tag. Without a
 * namespace in the target, `namespaces` is as if it were not written (see `effectiveFields`).
 */
export function scopeMatches(scope: Scope, target: ScopeTarget): boolean {
  return effectiveFields(scope, target).every(
    ([globs, value]) => globs === undefined || matchesAnyGlob(globs, value),
  );
}

/** Whether a policy applies to an image: no `match` means everything, and `exclude` wins. */
export function matchesScope(
  policy: { spec: Pick<PolicySpec, 'match' | 'exclude'> },
  target: ScopeTarget,
): boolean {
  const { match, exclude } = policy.spec;
  if (match && !scopeMatches(match, target)) return false;
  if (!isEmpty(exclude, target) && exclude && scopeMatches(exclude, target)) return false;
  return true;
}

/**
 * The mode a policy applies to an image: the first `modes` entry whose `match` contains it (an
 * entry without `match` contains every image), else `mode`, else `enforce`. First match rather
 * than most specific: the author orders the entries, and the file reads top to bottom as it runs.
 */
export function modeFor(
  policy: { spec: Pick<PolicySpec, 'mode' | 'modes'> },
  target: ScopeTarget,
): PolicyMode {
  const { mode, modes } = policy.spec;
  const entry = modes?.find((candidate) => !candidate.match || scopeMatches(candidate.match, target));
  return entry?.mode ?? mode ?? 'enforce';
}
