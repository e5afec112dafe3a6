import { isRecord, parseJsonObject } from '../../is-record.js';
/** What the dev-dependency detector needs of a project's own `package.json`. */
export interface PackageManifest {
  name?: string;
  /** Names only: a version spec may be a git URL carrying a token, and facts never hold secrets. */
  devDependencies: string[];
  /** Names listed under dependencies, optionalDependencies or peerDependencies. */
  runtimeDependencies: string[];
}

/** The name and version of an installed package (from `node_modules/<name>/package.json`). */
export interface InstalledPackageJson {
  name?: string;
  version?: string;
}

function keysOf(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value).filter((key) => key !== '') : [];
}

/** Parses a project manifest; `undefined` when it is not a JSON object. */
export function parsePackageManifest(text: string): PackageManifest | undefined {
  const parsed = parseJsonObject(text);
  if (!parsed) return undefined;
  const runtime = new Set([
    ...keysOf(parsed.dependencies),
    ...keysOf(parsed.optionalDependencies),
    ...keysOf(parsed.peerDependencies),
  ]);
  return {
    ...(typeof parsed.name === 'string' ? { name: parsed.name } : {}),
    devDependencies: keysOf(parsed.devDependencies).sort(),
    runtimeDependencies: [...runtime].sort(),
  };
}

const NAME = /"name"\s*:\s*"((?:[^"\\]|\\.){1,214})"/;
const VERSION = /"version"\s*:\s*"((?:[^"\\]|\\.){1,256})"/;

/**
 * Reads name and version of an installed package. The detector only asks for the first few KiB
 * of these files, so a truncated document falls back to the first `"name"`/`"version"` pairs,
 * which npm writes near the top.
 */
export function readInstalledPackageJson(text: string): InstalledPackageJson {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) {
      return {
        ...(typeof parsed.name === 'string' ? { name: parsed.name } : {}),
        ...(typeof parsed.version === 'string' ? { version: parsed.version } : {}),
      };
    }
    return {};
  } catch {
    const name = NAME.exec(text)?.[1];
    const version = VERSION.exec(text)?.[1];
    return { ...(name ? { name } : {}), ...(version ? { version } : {}) };
  }
}
