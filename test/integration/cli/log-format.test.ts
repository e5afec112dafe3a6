/* eslint-disable no-control-regex -- the test looks for exactly these raw characters */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  spawnService,
  startPushStack,
  writeServiceConfig,
  type PushStack,
  type ServiceConfigFile,
} from '../../support/pushgate-service.js';
import { waitFor } from '../../support/wait-for.js';

const RAW =
  /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

interface TerminalService {
  output(): string;
  /** SIGTERM to pushgate and the `script` around it; the exit code. */
  stop(): Promise<number | null>;
}

/** `pushgate serve` with a terminal as stdout: util-linux `script` gives it a pseudo-terminal. */
function serveOnTerminal(cfg: ServiceConfigFile, env: NodeJS.ProcessEnv = {}): TerminalService {
  const command = [process.execPath, join(REPO_ROOT, 'bin', 'pushgate.js'), 'serve', '--config', cfg.path]
    .map((word) => `'${word}'`)
    .join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PUSHGATE_CONFIG: '', PUSHGATE_LOG_FORMAT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // gone
    }
  };
  process.once('exit', () => signal('SIGKILL'));
  return {
    output: () => log,
    async stop() {
      signal('SIGTERM');
      return exited;
    },
  };
}

/**
 * Services log JSON lines by default (collectors read them); on a terminal they print one readable
 * line per entry, still escaped; PUSHGATE_LOG_FORMAT forces either.
 */
describe('log format', () => {
  let stack: PushStack;

  beforeAll(async () => {
    stack = await startPushStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const config = (): Promise<ServiceConfigFile> =>
    writeServiceConfig({
      dir: stack.dir,
      redisUrl: stack.redis.url,
      registryUrl: stack.registry.url,
      extra: { log: { level: 'info' } },
    });

  it('on a terminal: one readable line per entry', async () => {
    const cfg = await config();
    const service = serveOnTerminal(cfg);
    try {
      await waitFor(
        'the serving line',
        () => Promise.resolve(/INFO {2}\[server\] serving on /.test(service.output())),
        60_000,
      );
      await waitFor(
        'the re-evaluation line',
        () => Promise.resolve(/re-evaluation of stored verdicts finished/.test(service.output())),
        10_000,
      );
      const lines = service
        .output()
        .split(/\r?\n/)
        .filter((line) => line !== '');
      expect(
        lines.some((line) => line.startsWith('{')),
        service.output(),
      ).toBe(false);
      const serving = lines.find((line) => / serving on /.test(line));
      expect(serving).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[server\] serving on http:\/\/127\.0\.0\.1:\d+ listening=127\.0\.0\.1:\d+ /,
      );
      // Escaping of every string is the unit test's (test/unit/logger.test.ts): nothing raw here either.
      for (const line of lines) expect(line).not.toMatch(RAW);
      expect(await service.stop()).toBe(0);
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('PUSHGATE_LOG_FORMAT=json on a terminal: JSON lines', async () => {
    const service = serveOnTerminal(await config(), { PUSHGATE_LOG_FORMAT: 'json' });
    try {
      await waitFor('the serving line', () => Promise.resolve(/"listening":/.test(service.output())), 60_000);
      const lines = service
        .output()
        .split(/\r?\n/)
        .filter((line) => line !== '');
      for (const line of lines) expect(JSON.parse(line)).toHaveProperty('msg');
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('not a terminal (the default for a service): JSON lines; PUSHGATE_LOG_FORMAT=pretty forces readable ones', async () => {
    const json = spawnService('serve', (await config()).path, { PUSHGATE_LOG_FORMAT: '' });
    try {
      await waitFor('the serving line', () => Promise.resolve(/"listening":/.test(json.output())), 60_000);
      for (const line of json
        .output()
        .split('\n')
        .filter((l) => l !== ''))
        expect(JSON.parse(line)).toHaveProperty('msg');
    } finally {
      await json.terminate();
    }
    const pretty = spawnService('serve', (await config()).path, { PUSHGATE_LOG_FORMAT: 'pretty' });
    try {
      await waitFor(
        'the serving line',
        () => Promise.resolve(/INFO {2}\[server\] serving on /.test(pretty.output())),
        60_000,
      );
      expect(pretty.output()).not.toContain('{"level"');
    } finally {
      await pretty.terminate();
    }
  }, 120_000);
});
