import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AnswerConfig } from '../../../src/admission/compose-answer.js';
import { recordDenials } from '../../../src/admission/record-denials.js';
import type { AdmissionRequest, ImageDecision, ImageOutcome } from '../../../src/admission/types.js';
import type { RegistryConfig } from '../../../src/config/types.js';
import { createLogger } from '../../../src/logger.js';
import type { AuditEntry } from '../../../src/store/types.js';

const ENFORCE: AnswerConfig = {
  mode: 'enforce',
  errorVerdicts: 'deny',
  unknownImages: 'warn',
  unconfiguredRegistries: 'deny',
  onUnavailable: 'deny',
};
const REGISTRIES: RegistryConfig[] = [
  {
    name: 'corp',
    url: 'https://registry.example.com',
    host: 'registry.example.com',
    aliases: [],
    allowDelete: true,
  },
];
const DIGEST = `sha256:${'d'.repeat(64)}`;

function request(overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'uid-1234',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: 'web',
    namespace: 'shop',
    operation: 'CREATE',
    object: { spec: { containers: [{ env: [{ name: 'TOKEN', value: 'never-logged-value' }] }] } },
    ...overrides,
  };
}

function decision(name: string, image: string, outcome: ImageOutcome, reasons: string[] = []): ImageDecision {
  return {
    image: { slot: 'container', name, image, pointer: '/spec/containers/0/image' },
    outcome,
    reasons,
    ...(outcome === 'reject' ? { digest: DIGEST } : {}),
  };
}

function sink() {
  const entries: AuditEntry[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return {
    entries,
    lines,
    value: {
      audit: {
        append: (entry: AuditEntry) => {
          entries.push(entry);
          return Promise.resolve(`${entries.length}-0`);
        },
      },
      logger: createLogger({ level: 'info' }, {}, stream),
    },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('recordDenials', () => {
  it('one audit entry per denied image and one log line with the review uid; allowed and warned images are not recorded', async () => {
    const s = sink();
    recordDenials(
      request(),
      [
        decision('ok', 'registry.example.com/team/ok:1', 'pass'),
        decision('new', 'registry.example.com/team/new:2', 'unknown', ['never inspected by pushgate']),
        decision('app', 'registry.example.com/team/app:1', 'reject', [
          'no-shells/shell-present: /bin/sh',
          'second',
        ]),
        decision('side', 'elsewhere.example.com/x/y:3', 'unconfigured', [
          'registry elsewhere.example.com is not one',
        ]),
      ],
      ENFORCE,
      REGISTRIES,
      s.value,
    );
    await flush();
    expect(s.entries).toHaveLength(2);
    expect(s.entries[0]).toMatchObject({
      type: 'admission',
      registry: 'corp',
      repository: 'team/app',
      tag: '1',
      digest: DIGEST,
      outcome: 'denied',
      ref: 'uid-1234',
    });
    expect(s.entries[0].detail).toBe(
      'shop: Pod/web container "app": image "registry.example.com/team/app:1" reject: no-shells/shell-present: /bin/sh',
    );
    // Not a configured registry: its host stands in for the name.
    expect(s.entries[1]).toMatchObject({
      registry: 'elsewhere.example.com',
      repository: 'x/y',
      outcome: 'denied',
    });
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).toMatchObject({
      msg: 'admission: denied',
      uid: 'uid-1234',
      namespace: 'shop',
      denied: 2,
    });
    expect(JSON.stringify(s.lines)).not.toContain('never-logged-value');
  });

  it('records nothing when nothing is denied', async () => {
    const s = sink();
    recordDenials(
      request(),
      [decision('ok', 'registry.example.com/a:1', 'pass')],
      ENFORCE,
      REGISTRIES,
      s.value,
    );
    await flush();
    expect(s.entries).toEqual([]);
    expect(s.lines).toEqual([]);
  });

  it('audit mode records what enforce would have denied', async () => {
    const s = sink();
    recordDenials(
      request({ dryRun: true }),
      [decision('app', 'registry.example.com/team/app:1', 'reject', ['r'])],
      { ...ENFORCE, mode: 'audit' },
      REGISTRIES,
      s.value,
    );
    await flush();
    expect(s.entries[0]).toMatchObject({ outcome: 'would-deny' });
    expect(s.entries[0].detail).toMatch(/\(dry run\)$/);
    expect(s.lines[0]).toMatchObject({ msg: 'admission: would deny (audit mode)', dryRun: true });
  });

  it('escapes and bounds what comes from the request and the image', async () => {
    const s = sink();
    recordDenials(
      request({ namespace: 'ns\u001b[31m', name: 'n'.repeat(1000), uid: 'u\u0007id' }),
      [
        decision('c\u001b]8;;x\u0007', 'registry.example.com/team/app:1', 'reject', [
          `evil\u001b[2J${'r'.repeat(5000)}`,
        ]),
      ],
      ENFORCE,
      REGISTRIES,
      s.value,
    );
    await flush();
    const entry = s.entries[0];
    const raw = Object.values(entry).join('');
    expect([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
    expect(entry.detail).toContain('\\x1b[2J');
    expect(entry.detail!.length).toBeLessThan(1000);
    expect(entry.ref).toBe('u\\x07id');
    expect(JSON.stringify(s.lines[0])).not.toMatch(/\\u001b|\\u0007/);
  });

  it('a failing append is logged, never thrown', async () => {
    const s = sink();
    const failing = {
      ...s.value,
      audit: { append: () => Promise.reject(new Error('Redis is not connected')) },
    };
    expect(() =>
      recordDenials(
        request(),
        [decision('app', 'registry.example.com/a:1', 'reject')],
        ENFORCE,
        REGISTRIES,
        failing,
      ),
    ).not.toThrow();
    await flush();
    expect(s.lines.map((l) => l.msg)).toContain('admission: could not append a denial to the audit log');
  });
});
