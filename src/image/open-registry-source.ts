import { RegistryReader } from '../registry/registry-reader.js';
import type { ThroughputLimits } from '../throughput/throughput-watch.js';
import { parseReference } from '../oci/reference.js';
import { RegistrySource } from './registry-source.js';
import type { ImageSource } from './types.js';

/**
 * A registry source for a CLI-style reference. The registry named in the reference is the one the
 * caller configured: the client talks to it (and its well-known auth and blob hosts) and nothing else.
 */
export async function openRegistrySource(
  reference: string,
  options: {
    plainHttp?: boolean;
    dockerConfigPath?: string;
    signal?: AbortSignal;
    throughput?: ThroughputLimits;
  },
): Promise<ImageSource> {
  const parsed = parseReference(reference);
  const client = new RegistryReader({
    registry: parsed.registry,
    plainHttp: options.plainHttp ?? false,
    ...(options.dockerConfigPath ? { dockerConfigPath: options.dockerConfigPath } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.throughput
      ? {
          timeouts: {
            minBodyBytesPerSecond: options.throughput.minBytesPerSecond,
            bodyStallWindowMs: options.throughput.windowMs,
          },
        }
      : {}),
  });
  return new RegistrySource(parsed, client, { ownsClient: true });
}
