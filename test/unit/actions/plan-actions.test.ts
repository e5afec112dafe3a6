import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { planActions } from '../../../src/actions/plan-actions.js';
import type { PlannedAction } from '../../../src/actions/planned-action.js';
import { SecretValue } from '../../../src/actions/secret-value.js';
import {
  DIGEST,
  enforcement,
  imageRecord,
  loadedPolicy,
  policyVerdict,
  registryConfig,
  verdict,
} from './image-record-fixture.js';

const HOST = '127.0.0.1:5000';

function summary(actions: PlannedAction[]): string[] {
  return actions.map((a) => a.detail);
}

describe('planActions', () => {
  describe('reject', () => {
    const record = imageRecord({
      decision: 'reject',
      tags: ['v1', 'latest'],
      verdicts: [verdict('reject', [policyVerdict('no-shells', 'fail')])],
    });

    it('deletes the manifest, and attaches nothing to a manifest that will be gone', () => {
      const planned = planActions({
        record,
        policies: [loadedPolicy('no-shells')],
        enforcement: enforcement({ attachReport: true }),
        registry: registryConfig(),
      });
      expect(planned).toEqual([
        {
          kind: 'delete',
          repository: 'team/app',
          digest: DIGEST,
          detail: `delete ${HOST}/team/app@${DIGEST}`,
        },
      ]);
    });

    it('quarantines, then attaches the report in the quarantine repository', () => {
      const planned = planActions({
        record,
        policies: [],
        enforcement: enforcement({ reject: 'quarantine', attachReport: true }),
        registry: registryConfig(),
      });
      expect(planned).toEqual([
        {
          kind: 'quarantine',
          repository: 'team/app',
          digest: DIGEST,
          quarantineRepository: 'quarantine/team/app',
          tags: ['v1', 'latest'],
          detail: `quarantine ${HOST}/team/app@${DIGEST} into ${HOST}/quarantine/team/app`,
        },
        {
          kind: 'attach',
          repository: 'quarantine/team/app',
          digest: DIGEST,
          detail: `attach verdict to ${HOST}/quarantine/team/app@${DIGEST}`,
        },
      ]);
    });

    it('tags with failTag instead, and says why, where the registry does not allow deletes', () => {
      for (const reject of ['delete', 'quarantine'] as const) {
        const planned = planActions({
          record,
          policies: [],
          enforcement: enforcement({ reject, attachReport: true }),
          registry: registryConfig({ name: 'prod', allowDelete: false }),
        });
        expect(summary(planned)).toEqual([
          `tag ${HOST}/team/app:v1-rejected`,
          `tag ${HOST}/team/app:latest-rejected`,
          `attach verdict to ${HOST}/team/app@${DIGEST}`,
        ]);
        expect(planned[0].reason).toMatch(/registry "prod" does not allow deletes/);
        expect(planned[1].reason).toBe(planned[0].reason);
        expect(planned[2].reason).toBeUndefined();
      }
    });

    describe('an UNJUDGED image (could not be judged under fail-closed)', () => {
      const unjudged = imageRecord({
        decision: 'reject',
        unjudged: true,
        tags: ['v1'],
        error: { code: 'INTERNAL', message: 'boom' },
      });
      const plan = (overrides: Parameters<typeof enforcement>[0]): string[] =>
        summary(
          planActions({
            record: unjudged,
            policies: [],
            enforcement: enforcement({ attachReport: true, ...overrides }),
            registry: registryConfig(),
          }),
        );

      it('auto: tags it (never a plain delete) when reject is delete', () => {
        const planned = planActions({
          record: unjudged,
          policies: [],
          enforcement: enforcement({ reject: 'delete', rejectUnjudged: 'auto' }),
          registry: registryConfig(),
        });
        expect(summary(planned)).toEqual([`tag ${HOST}/team/app:v1-rejected`]);
        expect(planned[0].reason).toMatch(/could not be judged \(UNJUDGED\)/);
      });

      it('auto: quarantines when reject is quarantine', () => {
        expect(plan({ reject: 'quarantine', rejectUnjudged: 'auto' })).toEqual([
          `quarantine ${HOST}/team/app@${DIGEST} into ${HOST}/quarantine/team/app`,
          `attach verdict to ${HOST}/quarantine/team/app@${DIGEST}`,
        ]);
      });

      it('follows an explicit rejectUnjudged whatever reject says', () => {
        expect(plan({ reject: 'quarantine', rejectUnjudged: 'delete' })).toEqual([
          `delete ${HOST}/team/app@${DIGEST}`,
        ]);
        expect(plan({ reject: 'delete', rejectUnjudged: 'quarantine' })[0]).toMatch(/^quarantine /);
        expect(plan({ reject: 'quarantine', rejectUnjudged: 'tag' })[0]).toBe(
          `tag ${HOST}/team/app:v1-rejected`,
        );
      });

      it('a judged reject ignores rejectUnjudged', () => {
        const planned = planActions({
          record,
          policies: [],
          enforcement: enforcement({ reject: 'delete', rejectUnjudged: 'tag' }),
          registry: registryConfig(),
        });
        expect(summary(planned)).toEqual([`delete ${HOST}/team/app@${DIGEST}`]);
      });
    });

    it('records a quarantine repository template that renders an invalid name as a problem, and attaches nothing', () => {
      const planned = planActions({
        record,
        policies: [],
        enforcement: enforcement({
          reject: 'quarantine',
          quarantineRepository: 'Quarantine/{{repository}}',
          attachReport: true,
        }),
        registry: registryConfig(),
      });
      expect(planned).toHaveLength(1);
      expect(planned[0]).toMatchObject({ kind: 'quarantine', quarantineRepository: 'Quarantine/team/app' });
      expect(planned[0].problem).toMatch(/not a valid repository name/);
    });

    it('refuses a quarantine repository that is the image own repository', () => {
      const [planned] = planActions({
        record,
        policies: [],
        enforcement: enforcement({ reject: 'quarantine', quarantineRepository: '{{repository}}' }),
        registry: registryConfig(),
      });
      expect(planned.problem).toMatch(/own repository/);
    });

    describe('a digest the cluster admitted (admission.protectAdmittedDays)', () => {
      const workload = {
        digest: DIGEST,
        namespace: 'shop',
        kind: 'ReplicaSet',
        name: 'web-7d9f',
        image: `${HOST}/team/app:v1`,
        admittedAt: '2026-01-02T03:04:05.000Z',
      };
      const notifyTo = [{ url: 'http://127.0.0.1:9/hook' }];

      it.each(['delete', 'quarantine'] as const)(
        'turns a %s into the fail tag, says why, and names the workloads in the notification',
        (reject) => {
          const planned = planActions({
            record,
            policies: [],
            enforcement: enforcement({ reject, notify: notifyTo }),
            registry: registryConfig(),
            admitted: { workloads: [workload], recently: true, days: 30 },
          });
          expect(planned.map((a) => a.kind)).toEqual(['tag', 'tag', 'notify']);
          expect(summary(planned)).toEqual([
            `tag ${HOST}/team/app:v1-rejected`,
            `tag ${HOST}/team/app:latest-rejected`,
            'notify #0 http://127.0.0.1:9',
          ]);
          expect(planned[0].reason).toMatch(/admission\.protectAdmittedDays \(30 days\).*not deleted/);
          expect(planned[2]).toMatchObject({ kind: 'notify', admitted: [workload] });
        },
      );

      it('deletes as usual when the admission is older than the protection (still naming the workloads)', () => {
        const planned = planActions({
          record,
          policies: [],
          enforcement: enforcement({ notify: notifyTo }),
          registry: registryConfig(),
          admitted: { workloads: [workload], recently: false, days: 30 },
        });
        expect(planned.map((a) => a.kind)).toEqual(['delete', 'notify']);
        expect(planned[1]).toMatchObject({ admitted: [workload] });
      });

      it('leaves a notification without admitted workloads unchanged', () => {
        const planned = planActions({
          record,
          policies: [],
          enforcement: enforcement({ notify: notifyTo }),
          registry: registryConfig(),
          admitted: { workloads: [], recently: false, days: 30 },
        });
        expect(planned[1]).not.toHaveProperty('admitted');
      });
    });
  });

  describe('tag', () => {
    it('tags every tag with the template of each failing enforce policy whose onFail is tag', () => {
      const policies = [
        loadedPolicy('no-shells', { onFail: { action: 'tag', tag: '{{tag}}-shells' } }),
        loadedPolicy('no-compilers', { onFail: { action: 'tag', tag: '{{tag}}-shells' } }),
        loadedPolicy('no-root', { onFail: { action: 'tag', tag: 'root-{{digest}}' } }),
        loadedPolicy('audited', { mode: 'audit', onFail: { action: 'tag', tag: '{{tag}}-audit' } }),
        loadedPolicy('passing', { onFail: { action: 'tag', tag: '{{tag}}-never' } }),
      ];
      const record = imageRecord({
        decision: 'tag',
        tags: ['v1', 'v1.0'],
        verdicts: [
          verdict('tag', [
            policyVerdict('no-shells', 'fail'),
            policyVerdict('no-compilers', 'pass'),
            policyVerdict('audited', 'fail', 'audit'),
            policyVerdict('passing', 'pass'),
          ]),
          verdict(
            'tag',
            [policyVerdict('no-compilers', 'fail'), policyVerdict('no-root', 'fail')],
            'linux/arm64',
          ),
        ],
      });
      const planned = planActions({
        record,
        policies,
        enforcement: enforcement(),
        registry: registryConfig(),
      });
      expect(summary(planned)).toEqual([
        `tag ${HOST}/team/app:v1-shells`,
        `tag ${HOST}/team/app:v1.0-shells`,
        // A template without {{tag}} renders once however many tags the image has.
        `tag ${HOST}/team/app:root-sha256-ab12ab12ab12`,
      ]);
      expect(planned.every((a) => a.kind === 'tag' && a.digest === DIGEST && a.problem === undefined)).toBe(
        true,
      );
    });

    it('falls back to failTag when no failing policy names a tag', () => {
      const record = imageRecord({
        decision: 'tag',
        verdicts: [verdict('tag', [policyVerdict('x', 'fail')])],
      });
      const planned = planActions({
        record,
        policies: [loadedPolicy('x', { onFail: { action: 'reject' } })],
        enforcement: enforcement({ failTag: '{{decision}}-{{tag}}' }),
        registry: registryConfig(),
      });
      expect(summary(planned)).toEqual([`tag ${HOST}/team/app:tag-v1`]);
    });

    it('names an untagged image by its digest', () => {
      const record = imageRecord({ decision: 'tag', tags: [] });
      const planned = planActions({
        record,
        policies: [],
        enforcement: enforcement(),
        registry: registryConfig(),
      });
      expect(summary(planned)).toEqual([`tag ${HOST}/team/app:sha256-ab12ab12ab12-rejected`]);
    });

    it('records a template that renders an invalid tag as a problem, keeping the other actions', () => {
      const record = imageRecord({ decision: 'tag' });
      const planned = planActions({
        record,
        policies: [],
        enforcement: enforcement({ failTag: '{{repository}}-bad', attachReport: true }),
        registry: registryConfig(),
      });
      expect(planned.map((a) => a.kind)).toEqual(['tag', 'attach']);
      expect(planned[0].problem).toMatch(/"team\/app-bad", which is not a valid tag/);
      const unknown = planActions({
        record,
        policies: [],
        enforcement: enforcement({ failTag: '{{branch}}-x' }),
        registry: registryConfig(),
      });
      expect(unknown[0].problem).toMatch(/unknown placeholder \{\{branch\}\}/);
    });
  });

  describe('pass', () => {
    const record = imageRecord({
      decision: 'pass',
      tags: ['v2'],
      verdicts: [
        verdict('pass', [
          policyVerdict('verified', 'pass'),
          policyVerdict('signed', 'pass'),
          policyVerdict('skipped', 'skip'),
          policyVerdict('errored', 'error'),
          policyVerdict('audited', 'pass', 'audit'),
        ]),
      ],
    });
    const policies = [
      loadedPolicy('verified', { onPass: { tag: '{{tag}}-verified' } }),
      loadedPolicy('signed', { onPass: { tag: '{{tag}}-verified' } }),
      loadedPolicy('skipped', { onPass: { tag: '{{tag}}-skipped' } }),
      loadedPolicy('errored', { onPass: { tag: '{{tag}}-errored' } }),
      loadedPolicy('audited', { mode: 'audit', onPass: { tag: '{{tag}}-audited' } }),
    ];

    it('tags with onPass.tag of the passing enforce policies', () => {
      const planned = planActions({
        record,
        policies,
        enforcement: enforcement({ passTag: '{{tag}}-ok' }),
        registry: registryConfig(),
      });
      expect(summary(planned)).toEqual([`tag ${HOST}/team/app:v2-verified`]);
    });

    it('falls back to passTag, and does nothing without one', () => {
      const plain = imageRecord({ decision: 'pass', tags: ['v2'] });
      expect(
        summary(
          planActions({
            record: plain,
            policies,
            enforcement: enforcement({ passTag: '{{tag}}-ok' }),
            registry: registryConfig(),
          }),
        ),
      ).toEqual([`tag ${HOST}/team/app:v2-ok`]);
      expect(
        planActions({ record: plain, policies, enforcement: enforcement(), registry: registryConfig() }),
      ).toEqual([]);
    });

    it('does not write a tag the image already has', () => {
      const tagged = imageRecord({ decision: 'pass', tags: ['v2', 'v2-ok'] });
      expect(
        summary(
          planActions({
            record: tagged,
            policies: [],
            enforcement: enforcement({ passTag: '{{tag}}-ok' }),
            registry: registryConfig(),
          }),
        ),
      ).toEqual([`tag ${HOST}/team/app:v2-ok-ok`]);
    });
  });

  describe('warn and error', () => {
    it('error (and warn with passTagOnWarn false) changes nothing in the registry but still attaches and notifies', () => {
      for (const [decision, passTagOnWarn] of [
        ['warn', false],
        ['error', true],
      ] as const) {
        const planned = planActions({
          record: imageRecord({ decision }),
          policies: [],
          enforcement: enforcement({
            attachReport: true,
            passTag: '{{tag}}-ok',
            passTagOnWarn,
            notify: [{ url: 'https://hooks.example.com/a' }],
          }),
          registry: registryConfig(),
        });
        expect(planned.map((a) => a.kind)).toEqual(['attach', 'notify']);
      }
    });

    it('warn gets the pass tags by default, and the tag says which policies warned', () => {
      const record = imageRecord({
        decision: 'warn',
        tags: ['v3'],
        verdicts: [
          verdict('warn', [
            policyVerdict('no-shells', 'pass'),
            policyVerdict('healthcheck', 'warn'),
            policyVerdict('labels', 'warn'),
            policyVerdict('audited', 'fail', 'audit'),
          ]),
        ],
      });
      const planned = planActions({
        record,
        policies: [loadedPolicy('no-shells', { onPass: { tag: '{{tag}}-clean' } })],
        enforcement: enforcement({ passTag: '{{tag}}-ok' }),
        registry: registryConfig(),
      });
      expect(planned).toEqual([
        {
          kind: 'tag',
          repository: 'team/app',
          digest: DIGEST,
          tag: 'v3-clean',
          detail: `tag ${HOST}/team/app:v3-clean`,
          reason: 'passes with warnings from healthcheck, labels (enforcement.passTagOnWarn)',
        },
      ]);
      const fallback = planActions({
        record,
        policies: [],
        enforcement: enforcement({ passTag: '{{tag}}-ok' }),
        registry: registryConfig(),
      });
      expect(summary(fallback)).toEqual([`tag ${HOST}/team/app:v3-ok`]);
    });
  });

  describe('notify', () => {
    const targets = [
      { url: 'https://hooks.example.com/services/T0/B0/tokentokentoken', secret: 'hmac-key-do-not-log' },
      { url: 'https://other.example.com/rejects', decisions: ['reject' as const] },
      { url: 'https://third.example.com/', decisions: ['pass' as const, 'tag' as const] },
    ];

    it('plans one notify per target whose decisions include the decision (all when absent)', () => {
      const pass = planActions({
        record: imageRecord({ decision: 'pass' }),
        policies: [],
        enforcement: enforcement({ notify: targets }),
        registry: registryConfig(),
      });
      expect(summary(pass)).toEqual([
        'notify #0 https://hooks.example.com',
        'notify #2 https://third.example.com',
      ]);
      const reject = planActions({
        record: imageRecord({ decision: 'reject' }),
        policies: [],
        enforcement: enforcement({ notify: targets }),
        registry: registryConfig(),
      });
      expect(summary(reject)).toEqual([
        `delete ${HOST}/team/app@${DIGEST}`,
        'notify #0 https://hooks.example.com',
        'notify #1 https://other.example.com',
      ]);
      expect(reject[1]).toMatchObject({ kind: 'notify', url: targets[0].url, target: 0 });
    });

    it('keeps the secret out of JSON, inspect output and the detail', () => {
      const [planned] = planActions({
        record: imageRecord({ decision: 'warn' }),
        policies: [],
        enforcement: enforcement({ notify: targets.slice(0, 1) }),
        registry: registryConfig(),
      });
      expect(planned.kind === 'notify' && planned.secret instanceof SecretValue).toBe(true);
      expect(planned.kind === 'notify' && planned.secret?.reveal()).toBe('hmac-key-do-not-log');
      for (const text of [
        JSON.stringify(planned),
        inspect(planned, { depth: 5 }),
        `${String(planned.kind === 'notify' && planned.secret)}`,
      ]) {
        expect(text).not.toContain('hmac-key-do-not-log');
      }
      expect(JSON.stringify(planned)).toContain('[redacted]');
      // The URL path can hold a token: the detail names the origin only.
      expect(planned.detail).not.toContain('tokentoken');
    });
  });
});
