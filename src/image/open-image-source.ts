import { existsSync } from 'node:fs';
import { PushgateError } from '../errors.js';
import type { ThroughputLimits } from '../throughput/throughput-watch.js';
import { DockerArchiveSource } from './docker-archive-source.js';
import { DockerEngineSource } from './docker-engine-source.js';
import { OciLayoutSource } from './oci-layout-source.js';
import { openRegistrySource } from './open-registry-source.js';
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

/** Picks the image source from the reference's prefix; anything without a prefix is a registry reference. */
export async function openImageSource(
  reference: string,
  options: OpenSourceOptions = {},
): Promise<ImageSource> {
  if (reference.startsWith('docker-archive:')) {
    const { path, selector } = splitPathAndSelector(
      'docker-archive',
      reference.slice('docker-archive:'.length),
    );
    return new DockerArchiveSource(path, selector ? { image: selector } : {});
  }
  if (reference.startsWith('oci:')) {
    const { path, selector } = splitPathAndSelector('oci', reference.slice('oci:'.length));
    return new OciLayoutSource(path, selector ? { refName: selector } : {});
  }
  if (reference.startsWith('docker://')) {
    const name = reference.slice('docker://'.length);
    if (name === '')
      throw new PushgateError('REFERENCE_INVALID', 'docker:// needs an image name, e.g. docker://app:1.0');
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
  return openRegistrySource(reference, options);
}
