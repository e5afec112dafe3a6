/**
 * Token scopes (`type:name:action,action`, token.md) compared as sets of actions per resource.
 * Registries build the `scope` of a challenge from a set: distribution 2.8 iterates a Go map, so
 * the same grant comes back as `pull,push` or `push,pull` at random. Comparing scope strings
 * would take a reordered challenge for a new scope and fetch a token it already has.
 */
interface ParsedScope {
  /** `type:name`, or the whole scope when it has no actions part. */
  resource: string;
  actions: string[] | undefined;
}

function parseScope(scope: string): ParsedScope {
  // The name may contain ':' (a registry host with a port); the type and the actions may not.
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return { resource: scope, actions: undefined };
  return {
    resource: scope.slice(0, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
  };
}

function actionsByResource(scopes: Iterable<string>): Map<string, Set<string> | undefined> {
  const merged = new Map<string, Set<string> | undefined>();
  for (const scope of scopes) {
    const trimmed = scope.trim();
    if (trimmed === '') continue;
    const { resource, actions } = parseScope(trimmed);
    if (actions === undefined) {
      if (!merged.has(resource)) merged.set(resource, undefined);
      continue;
    }
    const known = merged.get(resource) ?? new Set<string>();
    for (const action of actions) known.add(action);
    merged.set(resource, known);
  }
  return merged;
}

/**
 * One scope per resource with the union of its actions, in first-seen order, so that
 * `repository:a:pull,push` and `repository:a:push,pull` merge into the first of them.
 * Scopes without an actions part are kept as they are.
 */
export function mergeScopes(...lists: ReadonlyArray<readonly string[]>): string[] {
  const merged = actionsByResource(lists.flat());
  return [...merged].map(([resource, actions]) =>
    actions === undefined ? resource : `${resource}:${[...actions].join(',')}`,
  );
}

/** True when every action `wanted` names on every resource is already in `held`. */
export function scopesCover(held: readonly string[], wanted: readonly string[]): boolean {
  const have = actionsByResource(held);
  for (const [resource, actions] of actionsByResource(wanted)) {
    if (!have.has(resource)) return false;
    if (actions === undefined) continue;
    const granted = have.get(resource);
    for (const action of actions) if (granted === undefined || !granted.has(action)) return false;
  }
  return true;
}

/** An order-free text for a scope set: resources and their actions sorted. For cache keys. */
export function canonicalScopes(scopes: readonly string[]): string {
  return [...actionsByResource(scopes)]
    .map(([resource, actions]) =>
      actions === undefined ? resource : `${resource}:${[...actions].sort().join(',')}`,
    )
    .sort()
    .join(' ');
}
