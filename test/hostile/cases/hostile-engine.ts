import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostileCase } from '../hostile-case.js';
import { startFakeEngine } from '../../support/fake-docker-engine.js';

/**
 * Issue 9, hole 4 (and hole 3 for the engine): `docker://` spools the engine's `docker save`
 * stream. A hostile engine that streams forever must end at the whole-image limit, one that sends
 * headers and then nothing at the stall window — both exit 3, never a full disk or a hang. (That
 * the spool is removed on every path, signals included, is asserted in
 * test/integration/cli-scan-stalls.test.ts.) A real engine cannot be made to misbehave: these
 * replay a Docker 20.10 engine's headers on a unix socket.
 */
export const hostileEngineCases: HostileCase[] = [
  {
    id: 'engine-streams-forever',
    hole: '4',
    title: 'an engine whose docker save never ends stops at --max-image-bytes with LAYER_LIMIT',
    async build(ctx) {
      const engine = await startFakeEngine({ save: 'endless' });
      ctx.onCleanup(() => engine.stop());
      const tmp = join(ctx.dir, 'tmp');
      await mkdir(tmp);
      return {
        args: ['scan', '--max-image-bytes', '16MiB', 'docker://hostile/endless:1'],
        env: { DOCKER_HOST: engine.dockerHost, TMPDIR: tmp },
      };
    },
    expect: { exit: 3, stderrMatches: [/\[LAYER_LIMIT\]/, /--max-image-bytes/] },
    maxSeconds: 30,
  },
  {
    id: 'engine-stalls-after-headers',
    hole: '3',
    title: 'an engine that sends the save headers and then nothing ends as DOCKER_ENGINE',
    async build(ctx) {
      const engine = await startFakeEngine({ save: 'stall' });
      ctx.onCleanup(() => engine.stop());
      return {
        args: ['scan', '--timeout', '60s', 'docker://hostile/stall:1'],
        env: { DOCKER_HOST: engine.dockerHost, PUSHGATE_BODY_STALL_WINDOW_MS: '2000' },
      };
    },
    expect: { exit: 3, stderrMatches: [/\[DOCKER_ENGINE\]/, /stalled/] },
    maxSeconds: 30,
  },
  ...[
    ['repo-tags-null-entry', { RepoTags: [null] }],
    ['repo-tags-number', { RepoTags: [123] }],
    ['repo-digests-string', { RepoDigests: 'x' }],
  ].map(([id, patch]): HostileCase => ({
    id: `engine-inspect-${id as string}`,
    title: `an engine whose inspect answer has ${JSON.stringify(patch)} is refused as DOCKER_ENGINE`,
    async build(ctx) {
      const engine = await startFakeEngine({
        save: 'stall',
        inspectPatch: patch as Record<string, unknown>,
      });
      ctx.onCleanup(() => engine.stop());
      return {
        args: ['scan', 'docker://hostile/inspect:1'],
        env: { DOCKER_HOST: engine.dockerHost },
      };
    },
    expect: { exit: 3, stderrMatches: [/\[DOCKER_ENGINE\]/, /not a list of names/] },
  })),
];
