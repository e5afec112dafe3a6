import type { RegistryConfig } from '../config/types.js';
import { DEFAULT_TAG, type ImageReference } from '../oci/reference.js';
import { toInspectJob, type InspectJob } from '../queue/to-inspect-job.js';

/**
 * The inspect job for an image admission found `unknown` (not for a dry run: the caller decides),
 * with source `admission`. Forced, because "unknown" may mean a verdict without stored facts (an
 * image judged before facts were stored), which an ordinary job would reuse. Its id is keyed on the
 * minute, so the many pods of one rollout queue one job. By digest when known, without the tag:
 * a pod asking for an image is not a push, so no tag action follows it.
 */
export function admissionInspectJob(
  reference: ImageReference,
  registry: RegistryConfig,
  digest: string | undefined,
  policySetVersion: string,
  now: Date = new Date(),
): InspectJob {
  const resolved = digest ?? reference.digest;
  return toInspectJob(
    {
      source: 'admission',
      registry: registry.name,
      repository: reference.repository,
      ...(resolved !== undefined ? { digest: resolved } : { tag: reference.tag ?? DEFAULT_TAG }),
      receivedAt: now.toISOString(),
    },
    { policySetVersion, force: true },
  );
}
