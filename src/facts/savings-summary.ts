import { formatBytes } from '../format-bytes.js';
import type { SavingsCategory, SavingsSection } from './image-facts.js';

/**
 * The words reports use for the `savings` section (table, diff, HTML): one place, so every
 * format says the same thing.
 */

/** The categories in the order bytes are attributed: the first that claims a copy gets it. */
export const SAVINGS_CATEGORIES: readonly SavingsCategory[] = [
  'buildToolchain',
  'devDependencies',
  'packageManagers',
  'cachesAndLeftovers',
  'wasted',
  'rest',
];

export const CATEGORY_LABELS: Readonly<Record<SavingsCategory, string>> = {
  buildToolchain: 'build toolchain',
  devDependencies: 'dev dependencies',
  packageManagers: 'package managers',
  cachesAndLeftovers: 'caches and leftovers',
  wasted: 'wasted',
  rest: 'rest',
};

/** `−87.3 %` */
export function formatRemovable(ratio: number): string {
  return `−${(ratio * 100).toFixed(1)} %`;
}

/** "a runtime stage without these would be about N MB (−x %)", shared by the reports. */
export function describeRuntimeEstimate(section: SavingsSection): string {
  return `a runtime stage without these would be about ${formatBytes(section.runtimeEstimateBytes)} (${formatRemovable(section.removableRatio)})`;
}

/** `build toolchain 12.3 MB, dev dependencies 1.0 MB, …` for the removable categories that hold bytes. */
export function describeRemovable(section: SavingsSection): string {
  const parts = SAVINGS_CATEGORIES.filter((c) => c !== 'rest' && section.categories[c].bytes > 0).map(
    (c) => `${CATEGORY_LABELS[c]} ${formatBytes(section.categories[c].bytes)}`,
  );
  return parts.length === 0 ? 'nothing removable' : parts.join(', ');
}
