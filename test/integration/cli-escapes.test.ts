import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/report/scan-report.js';
import { buildImage, writeDockerArchive } from '../support/image-builder.js';
import { digestHex } from '../support/image-builder/blob.js';
import { writeTarFile } from '../support/image-builder/write-tar-file.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { expectValidSarif } from '../support/sarif-schema.js';
import { tempDir } from '../support/temp-dir.js';

/** Clears the screen and draws a green all-clear: what a crafted image field tried on a terminal. */
const DRAW = '\x1b[2J\x1b[H\x1b[32mNo findings. Decision PASS\x1b[0m';
/** C1 CSI (U+009B) is ESC [ to many terminals; OSC 0 retitles the window. */
const C1 = '\u009b31m\x1b]0;owned\x07';
/** Trojan Source: the override makes "gnp.exe" read as "exe.png"; an isolate hides the rest. */
const BIDI = '\u202egnp.exe\u202c\u2066\u2069\u200f';
/** A value that tries to start a report line of its own. */
const NEWLINE = '\nDecision  PASS\r';

/** Everything a terminal acts on: C0 but tab and newline, DEL, C1, bidi controls and marks. */
function rawControls(text: string): string[] {
  const found: string[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (
      (c <= 0x1f && c !== 0x09 && c !== 0x0a) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) ||
      c === 0x200e ||
      c === 0x200f ||
      c === 0x061c ||
      c === 0x2028 ||
      c === 0x2029
    ) {
      found.push(`U+${c.toString(16).padStart(4, '0')}`);
    }
  }
  return found;
}

function expectInert(result: CliResult): void {
  expect(rawControls(result.stdout), result.stdout).toEqual([]);
  expect(rawControls(result.stderr), result.stderr).toEqual([]);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

function collectStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, out);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      collectStrings(item, out);
    }
  return out;
}

const ARCH = `amd64${DRAW}`;
const VARIANT = `v2${C1}${BIDI}`;
const USER = `app${DRAW}${BIDI}`;
const PORT = `8080/tcp${DRAW}`;
const ENV_NAME = `EVIL${C1}`;
const LABEL = `label${BIDI}`;
const LABEL_VALUE = `value${DRAW}${NEWLINE}`;
const WORKDIR = `/srv${NEWLINE}${DRAW}`;
const CREATED_BY = `/bin/sh -c echo${DRAW}${NEWLINE}${BIDI}`;
const SETUID_FILE = `usr/bin/su${DRAW}${BIDI}`;

describe('image and user strings never reach the terminal raw (issue 9, hole 2)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let archive: string;
  let createdArchive: string;

  beforeAll(async () => {
    dir = await tempDir();
    archive = join(dir.path, 'hostile.tar');
    createdArchive = join(dir.path, 'created.tar');
    const image = await buildImage({
      format: 'docker',
      layers: [
        {
          createdBy: CREATED_BY,
          files: [{ path: SETUID_FILE, content: 'x', mode: 0o4755 }],
        },
      ],
      config: {
        User: USER,
        WorkingDir: WORKDIR,
        Env: ['PATH=/usr/bin', `${ENV_NAME}=1`],
        Entrypoint: [`/bin/app${C1}`],
        Labels: { [LABEL]: LABEL_VALUE },
        ExposedPorts: { [PORT]: {} },
      },
      emptyLayerHistory: [{ createdBy: `USER ${USER}`, afterLayer: 0 }],
      rawConfig: (config) => ({ ...config, architecture: ARCH, variant: VARIANT }),
    });
    await writeDockerArchive(archive, image, ['prod/app:1']);
    // Docker's runtime parses `created` as a time: an image whose `created` is hostile may be
    // refused outright, so it is its own image; either way nothing raw may be printed.
    const created = await buildImage({
      format: 'docker',
      layers: [{ files: [{ path: 'etc/hostname', content: 'x\n' }] }],
      rawConfig: (config) => ({ ...config, created: `2024-01-01T00:00:00Z${DRAW}` }),
    });
    await writeDockerArchive(createdArchive, created, ['prod/app:1']);
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('table: every field escaped, the forged all-clear shown as text', async () => {
    const result = await runCli(['scan', '--no-progress', `docker-archive:${archive}`]);
    expect(result.code).toBe(0);
    expectInert(result);
    const out = result.stdout;
    expect(out).toContain(
      'Platform  linux/amd64\\x1b[2J\\x1b[H\\x1b[32mNo findings. Decision PASS\\x1b[0m/v2',
    );
    expect(out).toContain('\\x9b31m\\x1b]0;owned\\x07\\u202egnp.exe\\u202c\\u2066\\u2069\\u200f');
    expect(out).toContain('Ports     8080/tcp\\x1b[2J');
    expect(out).toContain('Workdir   /srv\\nDecision  PASS\\r\\x1b[2J');
    expect(out).toContain('EVIL\\x9b31m');
    expect(out).toContain('/bin/sh -c echo\\x1b[2J');
    expect(out).toContain('usr/bin/su\\x1b[2J');
    expect(out).toContain('User      app\\x1b[2J');
    // No value starts a line of its own: the forged line exists only escaped, inside another.
    expect(out.split('\n').filter((line) => line.startsWith('Decision'))).toEqual([]);
  });

  it('table with --policy: verdict headings, policy messages and rules escaped', async () => {
    const result = await runCli(['scan', `docker-archive:${archive}:prod/app:1`, '--policy', 'policies/']);
    expect(result.code).toBe(1);
    expectInert(result);
    expect(result.stdout).toContain(
      'Policy verdict  linux/amd64\\x1b[2J\\x1b[H\\x1b[32mNo findings. Decision PASS\\x1b[0m/v2',
    );
    expect(result.stdout).toMatch(/^Decision {2}REJECT$/m);
    expect(result.stdout).toContain('app\\x1b[2J'); // the USER, quoted by non-root-user's message
  });

  it('json and sarif: valid JSON that holds the original strings, C1 and bidi as \\u escapes', async () => {
    const json = await runCli([
      'scan',
      '-f',
      'json',
      `docker-archive:${archive}:prod/app:1`,
      '--policy',
      'policies/',
    ]);
    expect(json.code).toBe(1);
    expectInert(json);
    expect(json.stdout).toContain('\\u202e');
    expect(json.stdout).toContain('\\u009b');
    const report = JSON.parse(json.stdout) as ScanReport;
    const facts = report.platforms[0].facts;
    expect(report.platforms[0].platform).toBe(`linux/${ARCH}/${VARIANT}`);
    expect(facts.config.user).toBe(USER);
    expect(facts.config.workdir).toBe(WORKDIR);
    expect(facts.config.exposedPorts).toEqual([PORT]);
    expect(facts.config.env).toContain(ENV_NAME);
    expect(facts.image.labels).toEqual({ [LABEL]: LABEL_VALUE });
    expect(facts.history.map((h) => h.createdBy)).toEqual([CREATED_BY, `USER ${USER}`]);
    expect(report.verdicts?.[0].platform).toBe(`linux/${ARCH}/${VARIANT}`);

    const sarif = await runCli([
      'scan',
      '-f',
      'sarif',
      `docker-archive:${archive}:prod/app:1`,
      '--policy',
      'policies/',
    ]);
    expect(sarif.code).toBe(1);
    expectInert(sarif);
    const log = JSON.parse(sarif.stdout) as { runs: Array<{ properties: { platform: string } }> };
    expectValidSarif(log);
    expect(log.runs[0].properties.platform).toBe(`linux/${ARCH}/${VARIANT}`);
    const strings = collectStrings(log);
    expect(strings.some((s) => s.includes(SETUID_FILE) || s.includes(encodeURI(SETUID_FILE)))).toBe(true);
    expect(strings.some((s) => s.includes(USER))).toBe(true);
  });

  it('a hostile `created` is escaped in the report or in the error', async () => {
    for (const format of ['table', 'json']) {
      const result = await runCli(['scan', '-f', format, `docker-archive:${createdArchive}`]);
      expect([0, 3]).toContain(result.code);
      expectInert(result);
      expect(result.stdout + result.stderr).toContain(
        format === 'json' && result.code === 0 ? '\\u001b[2J' : '\\x1b[2J',
      );
    }
  });

  it('errors quote manifest.json layer names and RepoTags escaped, on one line', async () => {
    const image = await buildImage({ layers: [{ files: [{ path: 'a', content: 'a' }] }] });
    const file = join(dir.path, 'missing-layer.tar');
    const configName = `${digestHex(image.config.digest)}.json`;
    await writeTarFile(file, [
      { name: configName, data: image.config.data },
      {
        name: 'manifest.json',
        data: Buffer.from(
          JSON.stringify([
            {
              Config: configName,
              RepoTags: [`prod/app:1${DRAW}`],
              Layers: [`abc${DRAW}${NEWLINE}${BIDI}/layer.tar`],
            },
          ]),
        ),
      },
    ]);
    const result = await runCli(['scan', `docker-archive:${file}`]);
    expect(result.code).toBe(3);
    expectInert(result);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'abc\\x1b[2J\\x1b[H\\x1b[32mNo findings. Decision PASS\\x1b[0m\\nDecision  PASS\\r',
    );
    expect(result.stderr).toContain('prod/app:1\\x1b[2J');
    expect(result.stderr).toContain('[ARCHIVE_INVALID]');
    expect(result.stderr.split('\n')).toHaveLength(2); // one line and its newline
  });

  it('errors quote references, paths and option values escaped', async () => {
    for (const reference of [
      `docker-archive:${dir.path}/nope${DRAW}${BIDI}.tar`,
      `oci:${dir.path}/nope${C1}`,
      `registry.example.com/App${DRAW}:1${NEWLINE}`,
      `weird${C1}://x`,
    ]) {
      const result = await runCli(['scan', reference]);
      expect(result.code, reference).not.toBe(0);
      expect(result.code, reference).not.toBe(70);
      expectInert(result);
      expect(result.stderr.split('\n'), result.stderr).toHaveLength(2);
      expect(result.stderr).toMatch(/\\x1b|\\x9b/);
    }
    const option = await runCli(['scan', '--format', `table${DRAW}`, 'x']);
    expect(option.code).toBe(2);
    expectInert(option);
    expect(option.stderr).toContain('table\\x1b[2J');
  });

  it('policy lint and policy test print hostile file names and messages escaped', async () => {
    const policies = join(dir.path, `policies${BIDI}`);
    await mkdir(policies);
    await writeFile(
      join(policies, `evil${DRAW}.yaml`),
      `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata:
  name: evil
spec:
  onFail: { action: reject }
  rules:
    - id: r
      severity: high
      message: "runs as {{config.user}}"
      schema: { properties: { config: { properties: { user: { const: "nobody" } } } } }
  nonsense: "\\e[2J"
`,
    );
    const lint = await runCli(['policy', 'lint', policies]);
    expect(lint.code).toBe(1);
    expectInert(lint);
    expect(lint.stdout).toContain(`evil\\x1b[2J`);
    expect(lint.stdout).toContain('\\u202e');

    const tests = join(dir.path, 'tests');
    await mkdir(tests);
    await writeFile(
      join(tests, 'policy.yaml'),
      `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata:
  name: evil
spec:
  onFail: { action: reject }
  rules:
    - id: r
      severity: high
      message: "runs as {{config.user}}"
      schema: { properties: { config: { properties: { user: { const: "nobody" } } } } }
`,
    );
    await writeFile(join(tests, 'facts.json'), JSON.stringify({ config: { user: `root${DRAW}${BIDI}` } }));
    await writeFile(
      join(tests, 'evil.test.yaml'),
      `apiVersion: pushgate.dev/v1
kind: PolicyTest
cases:
  - name: "case \\e[2J\\e[32mPASS \\u202e"
    facts: facts.json
    expect: { evil: pass }
`,
    );
    const run = await runCli(['policy', 'test', tests]);
    expect(run.code).toBe(1);
    expectInert(run);
    expect(run.stdout).toContain('case \\x1b[2J\\x1b[32mPASS \\u202e'); // the case name
    expect(run.stdout).toContain('runs as root\\x1b[2J'); // the message, rendered from the facts
  });
});
