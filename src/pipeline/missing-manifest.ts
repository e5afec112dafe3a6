import { isPushgateError, PushgateError } from '../errors.js';

/**
 * The registry has no manifest for the image being inspected (a scan of a digest that was never
 * pushed, or one deleted before its job ran): the failure is marked, so its record says so and no
 * action is planned for it. Attaching a report to, tagging or deleting a manifest that is not there
 * can only fail, and each failure would read as pushgate's. Other errors pass through unchanged.
 */
export function markManifestMissing(err: unknown): unknown {
  if (!isPushgateError(err) || err.code !== 'REGISTRY_NOT_FOUND') return err;
  return new PushgateError(
    'REGISTRY_NOT_FOUND',
    `${err.message}: the manifest is not in the registry (never pushed, or deleted since), so no action is taken`,
    { cause: err, details: { ...err.details, manifestMissing: true } },
  );
}

/** True for a failure `markManifestMissing` marked (the context added on the way keeps its details). */
export function isManifestMissing(err: unknown): boolean {
  return isPushgateError(err) && err.details?.manifestMissing === true;
}
