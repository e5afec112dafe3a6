import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { type Evidence, fileEvidence } from '../evidence.js';
import type { DevDependency } from '../image-facts.js';
import type { DevDepsLayerResult } from './layer-result.js';
import { visibleFile, visibleRecord } from './visible-record.js';

/**
 * Composer packages that `vendor/composer/installed.json` lists in `dev-package-names` and whose
 * `vendor/<vendor>/<name>/` folder is present. `composer install --no-dev` writes none (it only
 * lists installed packages). Direct when the project's `composer.json` (beside `vendor/`) names
 * it in `require-dev`.
 */
export function findComposerDevPackages(
  stack: LayerStack,
  layers: ReadonlyArray<{ info: LayerInfo; result: DevDepsLayerResult }>,
): DevDependency[] {
  const found: DevDependency[] = [];
  const infos = layers.map((layer) => layer.info);
  const paths = new Set(layers.flatMap((layer) => Object.keys(layer.result.composer)));
  for (const path of [...paths].sort()) {
    const installed = visibleRecord(stack, layers, (r) => r.composer, path);
    if (!installed || installed.path !== path) continue;
    const vendor = path.slice(0, -'/composer/installed.json'.length);
    const project = vendor.includes('/') ? vendor.slice(0, vendor.lastIndexOf('/')) : '';
    const manifestPath = project === '' ? 'composer.json' : `${project}/composer.json`;
    const manifest = visibleRecord(stack, layers, (r) => r.composerManifests, manifestPath);
    const requireDev = manifest ? new Set(manifest.value.requireDev) : undefined;
    const listEvidence = fileEvidence(installed.info, path, stack, { detail: 'dev-package-names' });
    for (const [name, version] of Object.entries(installed.value.devPackages)) {
      const folder = stack.resolve(`${vendor}/${name}`);
      if (folder?.entry.kind !== 'directory') continue;
      const file = visibleFile(stack, infos, `${vendor}/${name}/composer.json`);
      const evidence: Evidence[] = file
        ? [
            fileEvidence(file.info, file.path, stack, version ? { detail: `${name} ${version}` } : {}),
            listEvidence,
          ]
        : [listEvidence];
      const direct = manifest !== undefined && requireDev?.has(name) === true;
      found.push({
        ecosystem: 'composer',
        name,
        ...(version ? { version } : {}),
        reason: direct
          ? `require-dev of /${manifest.path}; dev-package-names of /${path}`
          : `dev-package-names of /${path}`,
        direct,
        evidence,
      });
    }
  }
  return found;
}
