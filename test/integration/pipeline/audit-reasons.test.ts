import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildImage, pushImage } from '../../support/image-builder.js';
import {
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { tempDir } from '../../support/temp-dir.js';

/** Eight rules every image fails, listed with severities out of order, each message ~200 characters. */
const SEVERITIES = ['low', 'critical', 'info', 'medium', 'high', 'low', 'critical', 'medium'] as const;
const ORDER = ['critical', 'high', 'medium', 'low', 'info'];

function policy(
  name: string,
  severities: readonly string[],
  match?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: 'pushgate.dev/v1',
    kind: 'ImagePolicy',
    metadata: { name, description: `fails every image ${severities.length} ways` },
    spec: {
      ...(match ? { match } : {}),
      mode: 'enforce',
      onFail: { action: 'reject' },
      rules: severities.map((severity, i) => ({
        id: `rule-${i}`,
        severity,
        message: `finding ${i} of severity ${severity}: ${'a long explanation of what is wrong '.repeat(5)}end ${i}`,
        // Every image has a layer: this never holds.
        schema: { properties: { totals: { properties: { layerCount: { maximum: 0 } } } } },
      })),
    },
  };
}

/**
 * The audit line of a verdict carries every reason, whole, most severe first: an auditor reading
 * `GET /api/v1/audit` (or XREVRANGE) sees the critical finding, not the first five in policy order
 * cut at 1000 characters.
 */
describe('audit: every reason of a verdict, ordered by severity, none cut', () => {
  let stack: PushStack;
  let service: InProcessService;
  let policies: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    policies = await tempDir('pushgate-audit-policies-');
    await writeFile(join(policies.path, 'eight.yaml'), stringify(policy('many-reasons', SEVERITIES)));
    // 30 more in one repository: about 6,500 characters, more than an audit field holds.
    const thirty = Array.from({ length: 30 }, (_, i) => ORDER[i % ORDER.length]);
    await writeFile(
      join(policies.path, 'thirty.yaml'),
      stringify(policy('more-reasons', thirty, { repositories: ['team/many'] })),
    );
    stack = await startPushStack({ extra: { policies: { paths: [policies.path] } } });
    service = await startInProcess('start', stack.cfg.path);
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await stack?.stop();
    await policies?.remove();
  });

  it('lists all eight reasons in the record and the audit entry, critical first', async () => {
    const image = await buildImage({ layers: [{ files: [{ path: 'app/a.txt', content: 'a\n' }] }] });
    const { digest } = await pushImage({ url: stack.registry.url, repository: 'team/app', tag: '1' }, image);
    const record = await waitForRecord(service.url, stack.cfg.apiToken, digest);
    const reasons = record.reasons as string[];
    expect(reasons).toHaveLength(8);
    const severities = reasons.map((r) => /\((\w+)\):/.exec(r)?.[1] ?? '?');
    expect(severities).toEqual([...severities].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)));
    expect(severities[0]).toBe('critical');
    // Within a severity, the policy's order.
    expect(reasons.filter((r) => r.includes('(critical)')).map((r) => r.slice(-5))).toEqual([
      'end 1',
      'end 6',
    ]);

    const audit = await fetch(`${service.url}/api/v1/audit?digest=${digest}`, {
      headers: { authorization: `Bearer ${stack.cfg.apiToken}` },
    });
    const entries = ((await audit.json()) as { entries: Array<Record<string, unknown>> }).entries;
    const verdict = entries.find((e) => e.type === 'verdict');
    expect(verdict?.detail).toBe(reasons.join('; '));
    expect(String(verdict?.detail).length).toBeGreaterThan(1000);
  }, 120_000);

  it('bounds a long list by count: whole reasons while they fit, then "+N more"', async () => {
    const image = await buildImage({ layers: [{ files: [{ path: 'app/b.txt', content: 'b\n' }] }] });
    const { digest } = await pushImage({ url: stack.registry.url, repository: 'team/many', tag: '1' }, image);
    const record = await waitForRecord(service.url, stack.cfg.apiToken, digest);
    const reasons = record.reasons as string[];
    expect(reasons).toHaveLength(38);

    const audit = await fetch(`${service.url}/api/v1/audit?digest=${digest}`, {
      headers: { authorization: `Bearer ${stack.cfg.apiToken}` },
    });
    const entries = ((await audit.json()) as { entries: Array<Record<string, unknown>> }).entries;
    const detail = String(entries.find((e) => e.type === 'verdict')?.detail);
    expect(detail.length).toBeLessThanOrEqual(4096);
    const parts = detail.split('; ');
    const more = /^\+(\d+) more$/.exec(parts.at(-1) ?? '');
    expect(more, detail.slice(-80)).not.toBeNull();
    const shown = parts.slice(0, -1);
    expect(shown.length).toBeGreaterThan(10);
    expect(shown).toEqual(reasons.slice(0, shown.length));
    expect(shown.length + Number(more?.[1])).toBe(reasons.length);
  }, 120_000);
});
