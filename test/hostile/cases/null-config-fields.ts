import type { HostileCase } from '../hostile-case.js';
import { archiveOf, gccAndAwsKey } from '../support/image-parts.js';

/**
 * Issue 9, hole 1: Docker and skopeo accept JSON nulls in these config fields and the Go runtime
 * reads them as empty. An image with gcc and an AWS key must be rejected (exit 1), not crash fact
 * gathering (exit 70) — a crash was a way past every policy.
 */
function nullCase(id: string, title: string, patch: (config: Record<string, unknown>) => void): HostileCase {
  return {
    id,
    hole: '1',
    title,
    async build(ctx) {
      const file = await archiveOf(
        ctx.dir,
        {
          layers: [{ files: gccAndAwsKey(id) }],
          config: { Env: ['PATH=/usr/bin:/bin'], Labels: { maintainer: 'ops' } },
          rawConfig: (config) => {
            patch(config);
            return config;
          },
        },
        ['prod/app:1'],
      );
      return { args: ['scan', `docker-archive:${file}:prod/app:1`, '--policy', 'policies/'] };
    },
    expect: { exit: 1, stdoutMatches: [/no-build-toolchain/, /no-secrets/] },
  };
}

const runtime = (config: Record<string, unknown>): Record<string, unknown> =>
  config.config as Record<string, unknown>;

export const nullConfigFieldCases: HostileCase[] = [
  nullCase('null-history-entry', 'history: [null] with gcc and an AWS key is rejected', (config) => {
    config.history = [null];
  }),
  nullCase('null-env-entry', 'Env: ["PATH=/bin", null] with gcc and an AWS key is rejected', (config) => {
    runtime(config).Env = ['PATH=/bin', null];
  }),
  nullCase(
    'null-label-value',
    'Labels: {"maintainer": null} with gcc and an AWS key is rejected',
    (config) => {
      runtime(config).Labels = { maintainer: null };
    },
  ),
  nullCase('null-config-everywhere', 'nulls in every optional config field are read as empty', (config) => {
    config.history = [{ created: null, created_by: null, empty_layer: null, comment: null }];
    config.created = null;
    config.author = null;
    Object.assign(runtime(config), {
      Env: null,
      Labels: null,
      User: null,
      Entrypoint: null,
      Cmd: [null],
      ExposedPorts: null,
      Volumes: { '/data': null },
      WorkingDir: null,
      Healthcheck: null,
    });
  }),
];
