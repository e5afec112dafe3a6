import type { AdmissionConfig } from '../config/types.js';
import { isDigest } from '../oci/digest.js';
import { normalizeImageReference } from './normalize-image-reference.js';
import type { AdmissionAnswer, AdmissionRequest, ImageDecision } from './types.js';

export type PinPatch = NonNullable<AdmissionAnswer['patch']>;

/**
 * The mutating webhook's JSONPatch: each allowed image of a Pod written `repo:tag` becomes
 * `repo:tag@sha256:…` of the digest that was judged, so the kubelet pulls what was checked even if
 * the tag moves before it pulls. The tag stays (`nginx` → `nginx:latest@sha256:…`) for people
 * reading the pod; with both, the runtime pulls by digest.
 *
 * Never for controllers (GitOps tools would fight the change to their templates forever; their
 * pods are pinned when created), never in audit mode (audit must not change what runs), never for
 * a reference that already holds a digest (nothing to pin, and a reinvoked webhook leaves its own
 * patch alone), and only for images that were judged and allowed (`pass`, `warn`).
 */
export function pinPatch(
  decisions: readonly ImageDecision[],
  context: { mode: AdmissionConfig['mode']; kind: AdmissionRequest['kind'] },
): PinPatch {
  if (context.mode !== 'enforce') return [];
  if (context.kind.group !== '' || context.kind.kind !== 'Pod') return [];
  const patch: PinPatch = [];
  for (const { image, outcome, digest } of decisions) {
    if (outcome !== 'pass' && outcome !== 'warn') continue;
    if (digest === undefined || !isDigest(digest)) continue;
    if (image.image.includes('@')) continue;
    // extractImages writes pointers into the pod spec; anything else did not come from it.
    if (
      !/^\/spec\/(?:(?:initContainers|containers|ephemeralContainers)\/\d+\/image|volumes\/\d+\/image\/reference)$/.test(
        image.pointer,
      )
    ) {
      continue;
    }
    const normalized = normalizeImageReference(image.image);
    if (!normalized.ok) continue;
    const lastColon = image.image.lastIndexOf(':');
    const hasTag = lastColon > image.image.lastIndexOf('/');
    const value = `${image.image}${hasTag ? '' : `:${normalized.reference.tag ?? 'latest'}`}@${digest}`;
    patch.push({ op: 'replace', path: image.pointer, value });
  }
  return patch;
}
