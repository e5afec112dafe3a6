import picomatch from 'picomatch';
import type { AdmissionConfig } from '../config/types.js';
import { printable } from '../escape-text.js';
import { isRecord } from '../is-record.js';
import type { AdmissionRequest } from './types.js';

/** The kubelet marks the API-server copy of a static pod with this annotation. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Exempt always: the cluster's own components (and the webhook must not block them). */
const ALWAYS_EXEMPT_NAMESPACES = ['kube-system'];

export interface Exemptions {
  /** Why pods in `namespace` are not checked, or undefined when they are. */
  namespace(namespace: string | undefined): string | undefined;
  /** Why the request's object is not checked (a mirror pod), or undefined. */
  object(request: AdmissionRequest): string | undefined;
  /** Why the image is not checked (an `exemptImages` pattern), given its normalised reference. */
  image(normalizedReference: string): string | undefined;
}

/**
 * The exemptions of one configuration, patterns compiled once. Namespaces: `kube-system`, the
 * namespace pushgate runs in (so it can always restart itself) and `admission.exemptNamespaces`.
 * Images: `admission.exemptImages` over the normalised reference (`docker.io/library/nginx:1.27`,
 * `registry.k8s.io/pause:3.10@sha256:…`), so `registry.k8s.io/**` or `docker.io/library/*`
 * mean what they say whatever short form a pod spec uses. Patterns are picomatch globs (`*` stops
 * at `/`, `**` crosses it), as everywhere in pushgate's configuration.
 */
export function createExemptions(
  config: Pick<AdmissionConfig, 'exemptNamespaces' | 'exemptImages'>,
  options: { ownNamespace?: string } = {},
): Exemptions {
  const fixed = new Set(ALWAYS_EXEMPT_NAMESPACES);
  if (options.ownNamespace) fixed.add(options.ownNamespace);
  const namespacePatterns = config.exemptNamespaces.map((glob) => ({
    glob,
    test: picomatch(glob, { dot: true }),
  }));
  const imagePatterns = config.exemptImages.map((glob) => ({ glob, test: picomatch(glob, { dot: true }) }));

  return {
    namespace(namespace) {
      if (namespace === undefined || namespace === '') return undefined;
      if (fixed.has(namespace)) {
        return namespace === options.ownNamespace && namespace !== 'kube-system'
          ? `namespace ${printable(namespace)} is pushgate's own`
          : `namespace ${printable(namespace)} is exempt`;
      }
      const match = namespacePatterns.find((pattern) => pattern.test(namespace));
      return match
        ? `namespace ${printable(namespace)} matches exemptNamespaces ${printable(match.glob)}`
        : undefined;
    },
    object(request) {
      return isMirrorPod(request)
        ? 'mirror pods are run by the kubelet from its static pod files'
        : undefined;
    },
    image(normalizedReference) {
      const match = imagePatterns.find((pattern) => pattern.test(normalizedReference));
      return match
        ? `image ${printable(normalizedReference)} matches exemptImages ${printable(match.glob)}`
        : undefined;
    },
  };
}

/**
 * A Pod carrying the mirror annotation. Exempting it opens no hole even when a user sets the
 * annotation on a pod of their own: the kubelet never runs a pod from the API server that carries
 * it (it only reflects static pods there, and deletes mirror pods without one), and the static
 * pod it reflects runs whatever admission answers. Only Pods: on a controller's template the
 * annotation proves nothing, and the pods it would create are checked on their own.
 */
function isMirrorPod(request: AdmissionRequest): boolean {
  const kind: unknown = request.kind;
  if (!isRecord(kind) || kind.group !== '' || kind.kind !== 'Pod') return false;
  const object = request.object;
  if (!isRecord(object) || !isRecord(object.metadata)) return false;
  const annotations = object.metadata.annotations;
  return isRecord(annotations) && typeof annotations[MIRROR_POD_ANNOTATION] === 'string';
}
