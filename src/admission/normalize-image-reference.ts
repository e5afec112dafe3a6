import { isPushgateError } from '../errors.js';
import { printable } from '../escape-text.js';
import { formatReference, parseReference, type ImageReference } from '../oci/reference.js';

/** A pod's image reference, the way the kubelet hands it to the container runtime. */
export type NormalizedImageReference =
  | {
      ok: true;
      reference: ImageReference;
      /** `registry/repository[:tag][@digest]`: what exemptImages patterns and caches see. */
      text: string;
    }
  | {
      ok: false;
      /** Why the reference is not one a kubelet could pull, already escaped. */
      error: string;
    };

/** distribution/reference refuses a bare 64-hex name: it reads as an image id, not a repository. */
const IMAGE_ID = /^[a-f0-9]{64}$/;
/** `algorithm:hex` with no slash: what runtimes take for a local image id (`sha256:3f2a…`). */
const LOCAL_ID = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,}$/i;

/**
 * Normalises a reference as written in a pod spec like the kubelet does: Docker Hub short names
 * (`nginx` → `docker.io/library/nginx:latest`, `team/app` → `docker.io/team/app:latest`), `:latest`
 * implied only when neither a tag nor a digest is given, digests kept as given (`a:1@sha256:…`
 * keeps both: the runtime pulls by the digest). The grammar is src/oci/reference.ts's, the one
 * parser pushgate has. An invalid reference is a result, not a throw: one bad container must not
 * turn a review into a crash, and the caller decides what an unpullable image means.
 */
export function normalizeImageReference(text: string): NormalizedImageReference {
  if (IMAGE_ID.test(text)) {
    return {
      ok: false,
      error: `invalid image reference "${printable(text)}": a 64-character hexadecimal name is an image id, not a repository`,
    };
  }
  if (!text.includes('/') && LOCAL_ID.test(text)) {
    // `sha256:<hex>` parses as a Docker Hub name with a tag, but container runtimes read it as a
    // local image id: whatever is cached on the node would run, never pulled, never judged.
    return {
      ok: false,
      error: `invalid image reference "${printable(text)}": an image id, not a name the registry serves`,
    };
  }
  let reference: ImageReference;
  try {
    reference = parseReference(text);
  } catch (err) {
    // parseReference quotes the reference through printable() already; escaping the whole
    // message again is idempotent and keeps the result safe whatever the parser says later.
    if (isPushgateError(err)) return { ok: false, error: printable(err.message, 400) };
    throw err;
  }
  return { ok: true, reference, text: formatReference(reference) };
}
