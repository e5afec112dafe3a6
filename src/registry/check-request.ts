import { PushgateError, withContext } from '../errors.js';
import { printable } from '../escape-text.js';
import { parseDigest } from '../oci/digest.js';
import { isValidRepository, isValidTag } from '../oci/reference.js';

/**
 * Checks on the names a registry request puts in its URL path, shared by the reader and the
 * writer: a bad name is the caller's REFERENCE_INVALID, refused before anything is sent.
 */

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function checkRepository(repository: string, what: string): void {
  if (!isValidRepository(repository)) {
    throw new PushgateError(
      'REFERENCE_INVALID',
      `${what}: "${printable(repository)}" is not a valid repository name`,
    );
  }
}

/** A digest used as a reference (delete, mount, referrers), refused with `what` as context. */
export function checkDigestReference(digest: string, what: string): void {
  try {
    parseDigest(digest, 'REFERENCE_INVALID');
  } catch (err) {
    throw withContext(what, err);
  }
}

/** Validates a tag or digest for use in a URL path; true when it is a digest. */
export function checkManifestReference(reference: string, what: string): boolean {
  if (reference.includes(':')) {
    checkDigestReference(reference, what);
    return true;
  }
  if (!isValidTag(reference)) {
    throw new PushgateError('REFERENCE_INVALID', `${what}: "${printable(reference)}" is not a valid tag`);
  }
  return false;
}
