import { existsSync } from 'node:fs';
import { PushgateError } from '../errors.js';
import type { ThroughputLimits } from '../throughput/throughput-watch.js';
import type { ImageSource } from './types.js';

export interface OpenSourceOptions {
  /** Registry hosts that may be reached over plain HTTP; `true` allows it for the named registry. */
  plainHttp?: boolean;
  dockerConfigPath?: string;
  dockerSocket?: string;
  /** Aborts registry requests and Docker engine streams in flight (a scan's deadline). */
  signal?: AbortSignal;
  /** Least a registry body or engine stream must deliver (stalls fail instead of hanging). */
  throughput?: ThroughputLimits;
  /** Caps the `docker save` spool of `docker://` (limits.maxImageBytes). */
  maxImageBytes?: number;
}

/**
 * Splits `FILE[:SELECTOR]`: the longest prefix that exists on disk is the file, the rest selects
 * an image inside it (file names may themselves contain colons).
 */
export function splitPathAndSelector(kind: string, rest: string): { path: string; selector?: string } {
  if (rest === '')
    throw new PushgateError('REFERENCE_INVALID', `${kind}: needs a path, e.g. ${kind}:./image.tar`);
  if (existsSync(rest)) return { path: rest };
  for (let i = rest.lastIndexOf(':'); i > 0; i = rest.lastIndexOf(':', i - 1)) {
    const path = rest.slice(0, i);
    if (existsSync(path)) return { path, selector: rest.slice(i + 1) };
  }
  throw new PushgateError('ARCHIVE_INVALID', `${kind}:${rest}: no such file or directory`);
}

/**
 * Picks the image source from the reference's prefix; anything without a prefix is a registry
 * reference. Each source's module loads only when it is picked: a registry scan never loads the
 * archive readers, and only docker:// loads dockerode (with ssh2 and protobufjs), the heaviest
 * dependency of the scan path.
 */
export async function openImageSource(
  reference: string,
  options: OpenSourceOptions = {},
): Promise<ImageSource> {
  if (reference.startsWith('docker-archive:')) {
    const { path, selector } = splitPathAndSelector(
      'docker-archive',
      reference.slice('docker-archive:'.length),
    );
    const { DockerArchiveSource } = await import('./docker-archive-source.js');
    return new DockerArchiveSource(path, selector ? { image: selector } : {});
  }
  if (reference.startsWith('oci:')) {
    const { path, selector } = splitPathAndSelector('oci', reference.slice('oci:'.length));
    const { OciLayoutSource } = await import('./oci-layout-source.js');
    return new OciLayoutSource(path, selector ? { refName: selector } : {});
  }
  if (reference.startsWith('docker://')) {
    const name = reference.slice('docker://'.length);
    if (name === '')
      throw new PushgateError('REFERENCE_INVALID', 'docker:// needs an image name, e.g. docker://app:1.0');
    const { DockerEngineSource } = await import('./docker-engine-source.js');
    return new DockerEngineSource(name, {
      ...(options.dockerSocket ? { socketPath: options.dockerSocket } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.throughput ? { throughput: options.throughput } : {}),
      ...(options.maxImageBytes !== undefined ? { maxImageBytes: options.maxImageBytes } : {}),
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(reference)) {
    throw new PushgateError(
      'REFERENCE_INVALID',
      `unknown reference scheme in "${reference}"; use HOST/REPO:TAG, docker://, docker-archive: or oci:`,
    );
  }
  const { openRegistrySource } = await import('./open-registry-source.js');
  return openRegistrySource(reference, options);
}
