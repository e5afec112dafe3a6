import type { PushgateConfig } from '../config/types.js';
import type { LoadedPolicy } from '../policy/types.js';

/** Every tag template pushgate may write with: intake uses them to recognise its own pushes. */
export function ownTagTemplates(config: PushgateConfig, policies: readonly LoadedPolicy[]): string[] {
  const templates = new Set<string>([config.enforcement.failTag]);
  if (config.enforcement.passTag) templates.add(config.enforcement.passTag);
  for (const { policy } of policies) {
    const onFail = policy.spec.onFail;
    if (onFail?.action === 'tag') templates.add(onFail.tag);
    if (policy.spec.onPass?.tag) templates.add(policy.spec.onPass.tag);
  }
  return [...templates];
}
