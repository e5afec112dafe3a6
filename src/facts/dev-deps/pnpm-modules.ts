/** What pnpm's `node_modules/.modules.yaml` says about the last install. */
export interface PnpmModules {
  /** `included.devDependencies`: true when the install linked devDependencies; null when not said. */
  devDependencies: boolean | null;
}

/**
 * Reads `included.devDependencies` from `.modules.yaml`. pnpm writes it as YAML (older versions)
 * or as JSON (which is YAML too); only this one flag is needed, so a line reader for the
 * `included:` block is enough and no YAML library is pulled in.
 */
export function parsePnpmModules(text: string): PnpmModules {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const included = (parsed as { included?: unknown }).included;
      const dev =
        typeof included === 'object' && included !== null
          ? (included as { devDependencies?: unknown }).devDependencies
          : undefined;
      return { devDependencies: typeof dev === 'boolean' ? dev : null };
    }
  } catch {
    // YAML, read below.
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const inline = /^included:\s*\{(.*)\}\s*$/.exec(lines[i]);
    if (inline) {
      const flag = /(?:^|[,\s])devDependencies:\s*(true|false)\b/.exec(inline[1]);
      return { devDependencies: flag ? flag[1] === 'true' : null };
    }
    if (!/^included:\s*$/.test(lines[i])) continue;
    for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]); j++) {
      const flag = /^\s+devDependencies:\s*(true|false)\s*$/.exec(lines[j]);
      if (flag) return { devDependencies: flag[1] === 'true' };
    }
    return { devDependencies: null };
  }
  return { devDependencies: null };
}

/**
 * The version of a package pnpm linked from its virtual store, read from the store folder name:
 * `…/node_modules/.pnpm/@types+node@20.11.0/node_modules/@types/node` gives `20.11.0`, and peer
 * suffixes (`react-dom@18.2.0_react@18.2.0`, `react-dom@18.2.0(react@18.2.0)`) are cut. pnpm
 * hashes folder names that grow too long; those give `undefined`.
 */
export function pnpmStoreVersion(resolvedPath: string, name: string): string | undefined {
  const match = /(?:^|\/)\.pnpm\/([^/]+)\/node_modules\//.exec(resolvedPath);
  if (!match) return undefined;
  const prefix = `${name.replace('/', '+')}@`;
  if (!match[1].startsWith(prefix)) return undefined;
  const version = /^[^_(]+/.exec(match[1].slice(prefix.length))?.[0];
  return version && /^\d/.test(version) ? version : undefined;
}
