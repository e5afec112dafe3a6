import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/store/audit-log.js';
import { createRedis } from '../../../src/store/redis-connection.js';
import { startRedis, type RedisServer } from '../../support/redis.js';
import { runCli } from '../../support/run-cli.js';
import { tempDir } from '../../support/temp-dir.js';

const PREFIX = 'pgcli';

/**
 * `pushgate admission exempt|exemptions|revoke`, the real bin against a real Redis, configured the
 * way `serve` is (a config file naming Redis and the key prefix).
 */
describe('pushgate admission: break-glass from the command line', () => {
  let redis: RedisServer;
  let client: Redis;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let configPath: string;
  /** No PUSHGATE_CONFIG or REDIS_URL from the machine running the tests; the operator is `alice`. */
  const env = { PUSHGATE_CONFIG: '', REDIS_URL: '', USER: 'alice', LOGNAME: '' };
  const cli = (...args: string[]) => runCli(['admission', ...args, '--config', configPath], env);

  beforeAll(async () => {
    redis = await startRedis({ appendOnly: false });
    client = createRedis(redis.url, { name: 'cli-break-glass-test' });
    dir = await tempDir('pushgate-cli-break-glass-');
    configPath = join(dir.path, 'pushgate.yaml');
    await writeFile(
      configPath,
      stringify({
        redis: { url: redis.url, prefix: PREFIX },
        registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
        secrets: { fingerprintKey: 'pushgate-test-fingerprint-key' },
      }),
    );
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    await dir?.remove();
  });

  it('exempts, lists and revokes, naming the operator; every change is audited', async () => {
    const empty = await cli('exemptions');
    expect(empty).toMatchObject({ code: 0, stdout: 'no break-glass exemptions in force\n' });

    const exempt = await cli(
      'exempt',
      'team-a',
      '--for',
      '1h30m',
      '--reason',
      'pushgate denies a good image (INC-9)',
    );
    expect(exempt.stderr).toBe('');
    expect(exempt.code).toBe(0);
    expect(exempt.stdout).toMatch(
      /^namespace team-a is exempt from admission until \S+Z \(break-glass by alice: pushgate denies a good image \(INC-9\)\)\nrevoke it with: pushgate admission revoke team-a\n$/,
    );
    const ttl = await client.pttl(`${PREFIX}:break-glass:team-a`);
    expect(ttl).toBeGreaterThan(89 * 60_000);
    expect(ttl).toBeLessThanOrEqual(90 * 60_000);

    // --by wins over $USER; a reason with a terminal escape is shown escaped.
    expect(
      (await cli('exempt', 'shop', '--for', '30m', '--reason', 'release\x1b[31m night', '--by', 'bob')).code,
    ).toBe(0);
    const table = await cli('exemptions');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+UNTIL\s+BY\s+REASON$/);
    expect(lines[1]).toMatch(/^shop\s+\S+Z\s+bob\s+release\\x1b\[31m night$/);
    expect(lines[2]).toMatch(/^team-a\s+\S+Z\s+alice\s+pushgate denies a good image \(INC-9\)$/);
    const json = await cli('exemptions', '--json');
    expect(
      (JSON.parse(json.stdout) as Array<{ namespace: string; by: string }>).map((e) => [e.namespace, e.by]),
    ).toEqual([
      ['shop', 'bob'],
      ['team-a', 'alice'],
    ]);

    const revoke = await cli('revoke', 'team-a');
    expect(revoke).toMatchObject({ code: 0, stderr: '' });
    expect(revoke.stdout).toMatch(
      /^revoked the break-glass exemption of namespace team-a \(granted by alice until \S+Z\)\n$/,
    );
    const again = await cli('revoke', 'team-a');
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      'pushgate: namespace team-a has no break-glass exemption in force [NOT_FOUND]\n',
    );

    const { entries } = await new AuditLog(client, PREFIX).list({ type: 'break-glass' });
    expect(entries.map((e) => [e.outcome, e.namespace, e.by])).toEqual([
      ['revoked', 'team-a', 'alice'],
      ['granted', 'shop', 'bob'],
      ['granted', 'team-a', 'alice'],
    ]);
  });

  it('refuses with exit 2 and a clear message: over 24h, no reason, not a namespace, a bad duration', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['exempt', 'team-b', '--for', '25h', '--reason', 'x'], /at most 24h/],
      [['exempt', 'team-b', '--for', '2h'], /a reason is required \(--reason TEXT\)/],
      [['exempt', 'team-b', '--for', '2h', '--reason', '  '], /a reason is required/],
      [['exempt', 'Team_B', '--for', '2h', '--reason', 'x'], /must be a Kubernetes namespace name/],
      [['exempt', 'team-b', '--for', 'two hours', '--reason', 'x'], /--for must be a positive duration/],
      [['exempt', 'team-b', '--reason', 'x'], /--for/],
      [['revoke', 'Team_B'], /must be a Kubernetes namespace name/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect((await cli('exemptions', '--json')).stdout).not.toContain('team-b');
  });

  it('Redis unreachable: exit 3 with what was being done, no stack trace; no Redis configured: exit 2', async () => {
    const down = join(dir.path, 'down.yaml');
    // A port nothing listens on: the one of a Redis started and stopped.
    const gone = await startRedis({ appendOnly: false });
    await gone.stop();
    await writeFile(
      down,
      stringify({
        redis: { url: gone.url, prefix: PREFIX },
        registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      }),
    );
    const result = await runCli(['admission', 'exemptions', '--config', down], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^pushgate: Redis at redis:\/\/127\.0\.0\.1:\d+\/?: list break-glass exemptions: .*\[STORE_UNAVAILABLE\]\n$/,
    );

    const none = join(dir.path, 'none.yaml');
    await writeFile(none, stringify({ registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }] }));
    const unconfigured = await runCli(['admission', 'exemptions', '--config', none], env);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(/no Redis configured.*\[CONFIG_INVALID\]/);
  });
});
