import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { renderConfigSchema, runConfigCheck, runConfigShow } from '../../../src/cli/config-command.js';
import { tempDir } from '../../support/temp-dir.js';

function io(env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      env,
      cwd,
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    },
  };
}

const TOKEN = 'command-token-S3CR3T-0123456789';

describe('pushgate config check / show', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('pushgate-config-cmd-');
    await writeFile(
      join(dir.path, 'good.yaml'),
      `registries: [{ name: local, url: "http://127.0.0.1:5000" }]
webhooks: [{ adapter: distribution, auth: { type: bearer, token: "\${HOOK_TOKEN}" } }]
`,
    );
    await writeFile(
      join(dir.path, 'bad.yaml'),
      'registries: [{ name: local, url: "ftp://x" }]\nserver: { port: 1e6 }\n',
    );
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('check: "config OK", the source and the warnings, exit 0', () => {
    const { out, io: env } = io({ HOOK_TOKEN: TOKEN }, dir.path);
    expect(runConfigCheck('good.yaml', env)).toBe(ExitCode.OK);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`config OK: ${join(dir.path, 'good.yaml')}`);
    expect(lines.slice(1).every((line) => line.startsWith('warning: '))).toBe(true);
    expect(lines.some((line) => line.startsWith('warning: secrets.fingerprintKey:'))).toBe(true);
    expect(out.stdout).not.toContain(TOKEN);
  });

  it('check: every problem, exit 2', () => {
    const { out, io: env } = io({}, dir.path);
    expect(runConfigCheck(join(dir.path, 'bad.yaml'), env)).toBe(ExitCode.USAGE);
    expect(out.stdout).toContain('is invalid (2 problems):');
    expect(out.stdout).toContain('registries[0].url: must be an http:// or https:// URL (bad.yaml:1:29)');
    expect(out.stdout).toContain('server.port: must be <= 65535 (bad.yaml:2:11)');
  });

  it('check: uses the development defaults when there is no file', () => {
    const { out, io: env } = io({}, dir.path);
    expect(runConfigCheck(undefined, env)).toBe(ExitCode.OK);
    expect(out.stdout).toMatch(/^config OK: built-in development defaults\n/);
    expect(out.stdout).toContain('warning: WEBHOOK AUTHENTICATION IS OFF');
  });

  it('show: the filled-in configuration as YAML, secrets redacted, warnings on stderr', () => {
    const { out, io: env } = io({ HOOK_TOKEN: TOKEN }, dir.path);
    expect(runConfigShow('good.yaml', env)).toBe(ExitCode.OK);
    const shown = parse(out.stdout) as Record<string, { [key: string]: unknown }>;
    expect(shown.webhooks).toEqual([
      { name: 'distribution', adapter: 'distribution', auth: { type: 'bearer', token: '<redacted>' } },
    ]);
    expect(shown.workers.attempts).toBe(8);
    expect(Object.keys(shown)).toEqual([
      'server',
      'redis',
      'registries',
      'webhooks',
      'policies',
      'enforcement',
      'workers',
      'limits',
      'admission',
      'secrets',
      'log',
    ]);
    expect(out.stdout + out.stderr).not.toContain(TOKEN);
    expect(out.stderr).toMatch(/^warning: /);
  });

  it('show: problems on stderr, nothing on stdout, exit 2', () => {
    const { out, io: env } = io({}, dir.path);
    expect(runConfigShow('bad.yaml', env)).toBe(ExitCode.USAGE);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('is invalid');
  });

  it('schema: the JSON Schema as JSON', () => {
    const schema = JSON.parse(renderConfigSchema()) as { $schema: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});
