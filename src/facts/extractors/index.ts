import type { FactExtractor } from '../extractor.js';
import { osRelease } from './os-release.js';
import { osPackages } from './os-packages.js';
import { compilers } from './compilers.js';
import { shells } from './shells.js';
import { packageManagers } from './package-managers.js';
import { user } from './user.js';
import { permissions } from './permissions.js';
import { efficiency } from './efficiency.js';
import { devDependencies } from './dev-dependencies.js';
import { createSecretsExtractor, secrets, type SecretsExtractorOptions } from './secrets.js';
import { nativeCode } from './native-code.js';
import { buildOrder } from './build-order.js';
import { savings } from './savings.js';

/**
 * Every extractor, in one explicit list. Adding a detector is one file and one line here; a test
 * fails when a file in this folder is missing from the list or an id appears twice.
 */
export const EXTRACTORS: readonly FactExtractor[] = [
  osRelease as FactExtractor,
  // os-packages before the presence detectors: they read `facts.packages`.
  osPackages as FactExtractor,
  compilers as FactExtractor,
  shells as FactExtractor,
  packageManagers as FactExtractor,
  user as FactExtractor,
  permissions as FactExtractor,
  efficiency as FactExtractor,
  devDependencies as FactExtractor,
  secrets as FactExtractor,
  nativeCode as FactExtractor,
  buildOrder as FactExtractor,
  // Last: its assemble reads the sections of every extractor above.
  savings as FactExtractor,
];

export function assertUniqueIds(extractors: readonly FactExtractor[]): void {
  const seen = new Set<string>();
  for (const extractor of extractors) {
    if (seen.has(extractor.id)) throw new Error(`extractor id "${extractor.id}" is registered twice`);
    seen.add(extractor.id);
  }
}

assertUniqueIds(EXTRACTORS);

/** The extractors made with options, by id: what a layer thread can rebuild from `threadOptions`. */
const CONFIGURABLE: Readonly<Record<string, (options: Readonly<Record<string, unknown>>) => FactExtractor>> =
  {
    secrets: (options) => createSecretsExtractor(options as SecretsExtractorOptions) as FactExtractor,
  };

/** Whether a layer thread can make this very extractor: a registered one, or one made with options. */
export function isThreadable(extractor: FactExtractor): boolean {
  return (
    EXTRACTORS.includes(extractor) ||
    (extractor.threadOptions !== undefined && Object.hasOwn(CONFIGURABLE, extractor.id))
  );
}

/** The extractor `id` made with `options` (from its `threadOptions`), or the registered one. */
export function configureExtractor(
  id: string,
  options: Readonly<Record<string, unknown>> | undefined,
): FactExtractor | undefined {
  if (options !== undefined && Object.hasOwn(CONFIGURABLE, id)) return CONFIGURABLE[id](options);
  return EXTRACTORS.find((extractor) => extractor.id === id);
}
