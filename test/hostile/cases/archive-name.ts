import type { HostileCase } from '../hostile-case.js';
import { archiveOf } from '../support/image-parts.js';
import { fakeElf } from '../../support/seed-images.js';

/**
 * Issue 9, hole 6: `scan docker-archive:app.tar --policy policies/` must judge the image under
 * the name its archive gives it (RepoTags), so a compiler in `prod/app:1` rejects (exit 1)
 * instead of matching no prod/** policy and passing.
 */
export const archiveNameCases: HostileCase[] = [
  {
    id: 'archive-named-by-repo-tags',
    hole: '6',
    title: 'docker-archive holding prod/app:1 with a compiler, scanned without a selector, is rejected',
    async build(ctx) {
      const file = await archiveOf(
        ctx.dir,
        {
          layers: [{ files: [{ path: 'usr/bin/gcc', content: fakeElf('gcc'), mode: 0o755 }] }],
          config: { User: '1000', Healthcheck: { Test: ['CMD', '/bin/true'] } },
        },
        ['prod/app:1'],
        'app.tar',
      );
      return { args: ['scan', `docker-archive:${file}`, '--policy', 'policies/'] };
    },
    expect: { exit: 1, stdoutMatches: [/no-build-toolchain/] },
  },
];
