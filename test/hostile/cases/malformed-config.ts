import type { HostileCase } from '../hostile-case.js';
import { withConfigBytes } from '../support/raw-images.js';
import { TINY_LAYER } from '../support/image-parts.js';
import { buildImage, writeDockerArchive } from '../../support/image-builder.js';
import { join } from 'node:path';

/**
 * Issue 9, hole 1: configs Docker itself refuses to load (wrong JSON types) end in a clear
 * MANIFEST_INVALID error, exit 3 — never a TypeError (exit 70) or a stack trace.
 */
function malformed(
  id: string,
  title: string,
  patch: (config: Record<string, unknown>) => string,
): HostileCase {
  return {
    id,
    hole: '1',
    title,
    async build(ctx) {
      const image = await buildImage({ layers: [{ files: TINY_LAYER }] });
      const config = JSON.parse(image.config.data.toString('utf8')) as Record<string, unknown>;
      const file = join(ctx.dir, 'image.tar');
      await writeDockerArchive(file, withConfigBytes(image, Buffer.from(patch(config))));
      return { args: ['scan', `docker-archive:${file}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[MANIFEST_INVALID\]/] },
  };
}

const runtime = (config: Record<string, unknown>): Record<string, unknown> =>
  (config.config ??= {}) as Record<string, unknown>;

const DEPTH = 100_000;

export const malformedConfigCases: HostileCase[] = [
  malformed('env-is-a-string', 'Env as a string instead of a list', (config) => {
    runtime(config).Env = 'PATH=/bin';
    return JSON.stringify(config);
  }),
  malformed('label-value-number', 'a label value that is a number', (config) => {
    runtime(config).Labels = { version: 3 };
    return JSON.stringify(config);
  }),
  malformed('label-value-object', 'a label value that is an object', (config) => {
    runtime(config).Labels = { maintainer: { name: 'ops' } };
    return JSON.stringify(config);
  }),
  malformed('label-100000-deep', 'a label value nested 100,000 levels deep', (config) => {
    runtime(config).Labels = { deep: '__DEEP__' };
    // JSON.stringify would overflow the stack on the value itself: splice its text in.
    const deep = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
    return JSON.stringify(config).replace('"__DEEP__"', deep);
  }),
  malformed('created-by-number', 'history created_by: 12345', (config) => {
    config.history = [{ created_by: 12345 }];
    return JSON.stringify(config);
  }),
  malformed('user-is-a-number', 'User: 0 (a number, not a string)', (config) => {
    runtime(config).User = 0;
    return JSON.stringify(config);
  }),
];
