import { printable } from '../escape-text.js';
import { isRecord } from '../is-record.js';
import type { AdmissionRequest, ImageSlot, PodImage } from './types.js';

/** The images of one admission request that need a decision. */
export interface ExtractedImages {
  /** Set when the request cannot run a new image at all (allowed without a look at images). */
  skip?: string;
  /** On UPDATE, only the images that are new against `oldObject`. */
  images: PodImage[];
  /**
   * Places that should hold a pod spec or an image and hold something else (`/spec/containers/1/image
   * is a number`), escaped. The API server decodes objects into typed structs before admission, so
   * a real review never has any; when one does, the review is not what it claims to be and the
   * caller should deny (fail closed) rather than allow what it could not read.
   */
  malformed: string[];
}

/** Where each checked kind keeps its pod spec, as JSON pointer segments. Keyed `group/Kind`. */
const POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/Pod', ['spec']],
  ['/ReplicationController', ['spec', 'template', 'spec']],
  ['apps/Deployment', ['spec', 'template', 'spec']],
  ['apps/StatefulSet', ['spec', 'template', 'spec']],
  ['apps/DaemonSet', ['spec', 'template', 'spec']],
  ['apps/ReplicaSet', ['spec', 'template', 'spec']],
  ['batch/Job', ['spec', 'template', 'spec']],
  // batch/v1 (and the removed v1beta1) CronJob: the pod template sits inside the job template.
  ['batch/CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
]);

/** The one pod subresource that adds images: `kubectl debug` writes ephemeral containers through it. */
const EPHEMERAL_CONTAINERS = 'ephemeralcontainers';

const CONTAINER_LISTS: ReadonlyArray<readonly [string, ImageSlot]> = [
  ['initContainers', 'initContainer'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeralContainer'],
];

/**
 * Lists the images a Pod, or the pod template of a workload controller, asks to run, each with
 * the JSON pointer of its field in `request.object`.
 *
 * Requests that cannot start a new image are skipped with a reason: DELETE and CONNECT, any
 * subresource but `pods/ephemeralcontainers` (status, scale, binding, eviction, resize), and
 * UPDATEs of objects being deleted (finalizer removal must not be blocked). A deletion timestamp
 * on a CREATE is not trusted: the API server clears it, and the mutating webhook sees the object
 * before it does.
 *
 * On UPDATE only images that are new against `oldObject` are listed (same slot, name and image:
 * not new), so scale-downs and label edits of a workload that already runs pass. Pods are always
 * checked on their own, whatever owns them: no blanket approval of a controller's children.
 *
 * Never throws on a malformed object. A container without an image (missing, null or empty) is
 * left out: the API server refuses such a pod, and a controller may leave the image to later
 * configuration management, its pods being checked when they are created. Anything of the wrong
 * type is reported in `malformed`.
 */
export function extractImages(request: AdmissionRequest): ExtractedImages {
  // The endpoint checks the review's shape; this stays total anyway (never a TypeError).
  const kind: unknown = request.kind;
  const group = isRecord(kind) && typeof kind.group === 'string' ? kind.group : '';
  const kindName = isRecord(kind) && typeof kind.kind === 'string' ? kind.kind : '';
  const subResource = typeof request.subResource === 'string' ? request.subResource : '';
  const resource: unknown = request.resource;
  const resourceName = isRecord(resource) && typeof resource.resource === 'string' ? resource.resource : '';
  const kindKey = `${group}/${kindName}`;
  const specPath = POD_SPEC_PATHS.get(kindKey);
  const what = `${printable(kindName, 63)}${subResource ? `/${printable(subResource, 63)}` : ''}`;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return skipped(`${printable(String(request.operation), 20)} runs no new image`);
  }
  // Before the kind: a subresource's object has a kind of its own (deployments/scale sends a Scale).
  if (subResource !== '' || (request.subResource !== undefined && typeof request.subResource !== 'string')) {
    const isPodEphemeral = kindKey === '/Pod' && subResource === EPHEMERAL_CONTAINERS;
    if (!isPodEphemeral) {
      return skipped(
        `subresource ${printable(resourceName, 63)}/${printable(subResource, 63)} does not change images`,
      );
    }
  }
  if (specPath === undefined) {
    return skipped(`kind ${printable(kindKey, 127)} has no pod template pushgate checks`);
  }
  const object = request.object;
  if (!isRecord(object)) {
    return { images: [], malformed: [`${request.operation} of ${what} carries no object`] };
  }
  if (request.operation === 'UPDATE' && isBeingDeleted(object)) {
    return skipped(`${what} is being deleted`);
  }

  const found = podImages(object, specPath);
  if (request.operation === 'CREATE') return found;

  // UPDATE: judge only what the update adds. An old object that cannot be read counts as empty,
  // so every image is judged (fail closed); its problems are not the new object's.
  const old = isRecord(request.oldObject) ? podImages(request.oldObject, specPath).images : [];
  const before = new Set(old.map(identity));
  return { images: found.images.filter((image) => !before.has(identity(image))), malformed: found.malformed };
}

function skipped(reason: string): ExtractedImages {
  return { skip: reason, images: [], malformed: [] };
}

function isBeingDeleted(object: Record<string, unknown>): boolean {
  const metadata = object.metadata;
  return (
    isRecord(metadata) && typeof metadata.deletionTimestamp === 'string' && metadata.deletionTimestamp !== ''
  );
}

function identity(image: PodImage): string {
  return JSON.stringify([image.slot, image.name, image.image]);
}

/** The images of the pod spec at `path` inside `object`. */
function podImages(object: Record<string, unknown>, path: readonly string[]): Omit<ExtractedImages, 'skip'> {
  const images: PodImage[] = [];
  const malformed: string[] = [];
  let spec: unknown = object;
  for (const segment of path) {
    spec = isRecord(spec) ? spec[segment] : undefined;
  }
  const specPointer = `/${path.join('/')}`;
  if (!isRecord(spec)) {
    malformed.push(`${specPointer} is ${describe(spec)}, not a pod spec`);
    return { images, malformed };
  }

  for (const [field, slot] of CONTAINER_LISTS) {
    const list = spec[field];
    const listPointer = `${specPointer}/${field}`;
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      malformed.push(`${listPointer} is ${describe(list)}, not a list`);
      continue;
    }
    list.forEach((container: unknown, index) => {
      const pointer = `${listPointer}/${index}`;
      if (!isRecord(container)) {
        malformed.push(`${pointer} is ${describe(container)}, not a container`);
        return;
      }
      const image = container.image;
      if (image === undefined || image === null || image === '') return;
      if (typeof image !== 'string') {
        malformed.push(`${pointer}/image is ${describe(image)}, not a string`);
        return;
      }
      images.push({ slot, name: nameOf(container, slot, index), image, pointer: `${pointer}/image` });
    });
  }

  const volumes = spec.volumes;
  const volumesPointer = `${specPointer}/volumes`;
  if (Array.isArray(volumes)) {
    volumes.forEach((volume: unknown, index) => {
      const pointer = `${volumesPointer}/${index}`;
      if (!isRecord(volume)) {
        malformed.push(`${pointer} is ${describe(volume)}, not a volume`);
        return;
      }
      // An image volume (KEP-4639): the kubelet pulls `image.reference` like a container image.
      const source = volume.image;
      if (source === undefined || source === null) return;
      if (!isRecord(source)) {
        malformed.push(`${pointer}/image is ${describe(source)}, not an image volume source`);
        return;
      }
      const reference = source.reference;
      if (reference === undefined || reference === null || reference === '') return;
      if (typeof reference !== 'string') {
        malformed.push(`${pointer}/image/reference is ${describe(reference)}, not a string`);
        return;
      }
      images.push({
        slot: 'imageVolume',
        name: nameOf(volume, 'imageVolume', index),
        image: reference,
        pointer: `${pointer}/image/reference`,
      });
    });
  } else if (volumes !== undefined && volumes !== null) {
    malformed.push(`${volumesPointer} is ${describe(volumes)}, not a list`);
  }
  return { images, malformed };
}

/** The container's (or volume's) name; its position when it has none, so messages can point at it. */
function nameOf(item: Record<string, unknown>, slot: ImageSlot, index: number): string {
  return typeof item.name === 'string' && item.name !== '' ? item.name : `${slot} #${index}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
