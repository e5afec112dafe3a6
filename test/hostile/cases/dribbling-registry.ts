import { randomBytes } from 'node:crypto';

import type { HostileCase } from '../hostile-case.js';
import { startDribbleProxy } from '../support/dribble-proxy.js';
import { buildImage, pushImage } from '../../support/image-builder.js';

/**
 * Issue 9, hole 3: a registry that sends a layer's first 64 KiB and then one byte every 2 s never
 * trips a per-read idle timeout. The scan must end as REGISTRY_UNREACHABLE (exit 3) within the
 * configured stall window instead of waiting for ever.
 *
 * PUSHGATE_BODY_STALL_WINDOW_MS shortens the minimum-throughput window (default 60 s) so the case
 * runs in seconds; `--timeout` bounds the whole scan.
 */
export const STALL_WINDOW_ENV = 'PUSHGATE_BODY_STALL_WINDOW_MS';

export const dribblingRegistryCases: HostileCase[] = [
  {
    id: 'registry-dribbles-a-blob',
    hole: '3',
    title: 'a registry dribbling 1 byte every 2 s mid-blob ends as REGISTRY_UNREACHABLE, not a hang',
    async build(ctx) {
      const registry = await ctx.registry();
      // Random bytes do not compress: the gzip layer stays ~256 KiB, far past the first 64 KiB.
      const image = await buildImage({
        layers: [{ files: [{ path: 'opt/blob.bin', content: randomBytes(256 * 1024) }] }],
      });
      await pushImage({ url: registry.url, repository: 'hostile/dribble', tag: '1' }, image);
      const proxy = await startDribbleProxy(registry.url, {
        digest: image.layers[0].digest,
        headBytes: 64 * 1024,
        intervalMs: 2000,
      });
      ctx.onCleanup(() => proxy.stop());
      return {
        args: ['scan', '--plain-http', '--timeout', '60s', `${proxy.host}/hostile/dribble:1`],
        env: { [STALL_WINDOW_ENV]: '3000' },
      };
    },
    expect: { exit: 3, stderrMatches: [/\[REGISTRY_UNREACHABLE\]/] },
    // Stall window 3 s: well under the 60 s --timeout, so only the stall detection can pass.
    maxSeconds: 30,
  },
];
