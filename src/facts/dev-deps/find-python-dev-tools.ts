import type { LayerStack } from '../../inspect/layer-stack.js';
import type { LayerInfo } from '../../inspect/types.js';
import { fileEvidence } from '../evidence.js';
import type { DevDependency } from '../image-facts.js';
import type { DevDepsLayerResult } from './layer-result.js';

/**
 * Python dev and test tools whose metadata (`*.dist-info/METADATA`, `*.egg-info`) is present in
 * the final filesystem, once per metadata folder. A tool `pip uninstall`ed by a later layer is
 * gone from the final filesystem and not listed.
 */
export function findPythonDevTools(
  stack: LayerStack,
  layers: ReadonlyArray<{ info: LayerInfo; result: DevDepsLayerResult }>,
): DevDependency[] {
  const found = new Map<string, DevDependency>();
  for (const { info, result } of layers) {
    for (const [path, dist] of Object.entries(result.python)) {
      if (stack.fate(info.index, path)?.state !== 'present' || found.has(dist.metadataPath)) continue;
      const folder = dist.metadataPath.slice(0, dist.metadataPath.lastIndexOf('/'));
      found.set(dist.metadataPath, {
        ecosystem: 'python',
        name: dist.name,
        version: dist.version,
        reason: `Python development tool installed in /${folder}`,
        evidence: [fileEvidence(info, path, stack, { detail: `${dist.name} ${dist.version}` })],
      });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
