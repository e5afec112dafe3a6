import { isRecord } from '../is-record.js';
import type { AdmittedWorkload } from '../store/admitted-images.js';
import type { AdmissionRequest, ImageDecision } from './types.js';

/**
 * Who runs the images of an admitted object: a pod's (or ReplicaSet's, Job's) controlling owner
 * from `metadata.ownerReferences` (the one marked `controller`, else the first), or the object
 * itself (a Deployment, a bare Pod). A pod created from `generateName` has no name yet: the
 * prefix stands for it.
 */
export function workloadOf(request: AdmissionRequest): Omit<AdmittedWorkload, 'image'> {
  const namespace = request.namespace ?? '';
  const metadata =
    isRecord(request.object) && isRecord(request.object.metadata) ? request.object.metadata : {};
  const owners = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isRecord) : [];
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  if (owner && typeof owner.kind === 'string' && typeof owner.name === 'string') {
    return { namespace, kind: owner.kind, name: owner.name };
  }
  const name =
    typeof metadata.name === 'string' && metadata.name !== ''
      ? metadata.name
      : request.name !== undefined && request.name !== ''
        ? request.name
        : typeof metadata.generateName === 'string'
          ? metadata.generateName
          : '';
  return { namespace, kind: request.kind.kind, name };
}

/** The (digest, workload) pairs an allowed answer admits: every judged image with a known digest. */
export function admittedEntries(
  request: AdmissionRequest,
  decisions: readonly ImageDecision[],
): Array<{ digest: string; workload: AdmittedWorkload }> {
  const owner = workloadOf(request);
  const seen = new Set<string>();
  const entries: Array<{ digest: string; workload: AdmittedWorkload }> = [];
  for (const decision of decisions) {
    if (decision.digest === undefined) continue;
    const key = `${decision.digest} ${decision.image.image}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ digest: decision.digest, workload: { ...owner, image: decision.image.image } });
  }
  return entries;
}
