import { describe, expect, it } from 'vitest';
import {
  composeAnswer,
  MAX_MESSAGE_CHARS,
  MAX_WARNING_CHARS,
  MAX_WARNINGS,
  WOULD_DENY_ANNOTATION,
  type AnswerConfig,
  type AnswerContext,
} from '../../../src/admission/compose-answer.js';
import { extractImages } from '../../../src/admission/extract-images.js';
import type { ImageDecision, ImageOutcome, PodImage } from '../../../src/admission/types.js';
import { reviewRequest } from './fixture.js';

const ENFORCE: AnswerConfig = {
  mode: 'enforce',
  errorVerdicts: 'deny',
  unknownImages: 'deny',
  unconfiguredRegistries: 'deny',
  onUnavailable: 'deny',
};
const AUDIT: AnswerConfig = { ...ENFORCE, mode: 'audit' };
const CONTEXT: AnswerContext = { dryRun: false, kind: 'Deployment', name: 'web', namespace: 'shop' };
const DIGEST = `sha256:${'c'.repeat(64)}`;

/** The Deployment fixture's three containers with outcomes: web, metrics-agent, nginx. */
function deploymentDecisions(...outcomes: Array<[ImageOutcome, string[]?]>): ImageDecision[] {
  const { images } = extractImages(reviewRequest('deployment-create'));
  return images.map((image, index) => {
    const [outcome, reasons] = outcomes[index] ?? ['pass'];
    return { image, outcome, reasons: reasons ?? [], digest: DIGEST };
  });
}

function decision(image: Partial<PodImage>, outcome: ImageOutcome, reasons: string[] = []): ImageDecision {
  return {
    image: {
      slot: 'container',
      name: 'app',
      image: 'registry.example.com/app:1',
      pointer: '/spec/containers/0/image',
      ...image,
    },
    outcome,
    reasons,
  };
}

describe('composeAnswer', () => {
  it('one bad container among good ones: denied, naming that container, its image and each failing rule', () => {
    const answer = composeAnswer(
      deploymentDecisions(
        ['pass'],
        ['reject', ['no-shells/shell-present: /bin/sh is in the image', 'no-root/user-root: runs as root']],
        ['pass'],
      ),
      ENFORCE,
      CONTEXT,
    );
    expect(answer.allowed).toBe(false);
    expect(answer.message).toBe(
      'pushgate denied Deployment shop/web:\n' +
        '- container "metrics-agent": image "registry.example.com/shop/metrics-agent:0.9" was rejected: ' +
        'no-shells/shell-present: /bin/sh is in the image; no-root/user-root: runs as root',
    );
    expect(answer.message).not.toContain('"web"');
    expect(answer.warnings).toBeUndefined();
    expect(answer.auditAnnotations).toBeUndefined();
  });

  it('all pass: allowed, nothing else', () => {
    expect(composeAnswer(deploymentDecisions(), ENFORCE, CONTEXT)).toEqual({ allowed: true });
    expect(composeAnswer([], ENFORCE, CONTEXT)).toEqual({ allowed: true });
  });

  it('warn: allowed with a warning per image', () => {
    const answer = composeAnswer(
      deploymentDecisions(['warn', ['base/old-base: Debian 11 is end of life']]),
      ENFORCE,
      CONTEXT,
    );
    expect(answer).toEqual({
      allowed: true,
      warnings: [
        'pushgate: container "web": image "registry.example.com/shop/web:1.4.2": base/old-base: Debian 11 is end of life',
      ],
    });
  });

  it.each([
    ['error', 'errorVerdicts', /could not be judged: scan timed out/],
    ['unknown', 'unknownImages', /has not been inspected by pushgate/],
    ['unconfigured', 'unconfiguredRegistries', /registry pushgate does not watch/],
  ] as const)('%s follows admission.%s (deny | warn | allow)', (outcome, setting, text) => {
    const decisions = [decision({}, outcome, ['scan timed out'])];
    const denied = composeAnswer(decisions, { ...ENFORCE, [setting]: 'deny' }, CONTEXT);
    expect(denied.allowed).toBe(false);
    expect(denied.message).toMatch(text);
    const warned = composeAnswer(decisions, { ...ENFORCE, [setting]: 'warn' }, CONTEXT);
    expect(warned.allowed).toBe(true);
    expect(warned.warnings?.[0]).toMatch(text);
    expect(composeAnswer(decisions, { ...ENFORCE, [setting]: 'allow' }, CONTEXT)).toEqual({ allowed: true });
  });

  it('an unknown image: the message says how to get it inspected, and whether one was queued', () => {
    const decisions = [decision({ image: 'nginx:1.27' }, 'unknown')];
    const queued = composeAnswer(decisions, ENFORCE, CONTEXT).message;
    expect(queued).toContain('an inspection has been queued');
    expect(queued).toContain('POST /api/v1/scans {"reference": "docker.io/library/nginx:1.27"}');
    expect(queued).toContain('push it through a registry pushgate watches');
    const dryRun = composeAnswer(decisions, ENFORCE, { ...CONTEXT, dryRun: true }).message;
    expect(dryRun).toContain('a dry run queues no inspection');
    expect(dryRun).toContain('POST /api/v1/scans');
  });

  it('unavailable follows onUnavailable; an allow still warns that nothing was checked', () => {
    const decisions = [decision({}, 'unavailable')];
    expect(composeAnswer(decisions, ENFORCE, CONTEXT)).toMatchObject({
      allowed: false,
      message: expect.stringMatching(/could not reach its store or the registry in time/),
    });
    const allowed = composeAnswer(decisions, { ...ENFORCE, onUnavailable: 'allow' }, CONTEXT);
    expect(allowed.allowed).toBe(true);
    expect(allowed.warnings?.[0]).toMatch(/could not be checked/);
  });

  it('audit mode allows everything, with warnings and the would-deny audit annotation', () => {
    const decisions = deploymentDecisions(['reject', ['p/r: bad']], ['warn', ['p/w: meh']], ['unknown']);
    const answer = composeAnswer(decisions, AUDIT, CONTEXT);
    expect(answer.allowed).toBe(true);
    expect(answer.message).toBeUndefined();
    expect(answer.warnings).toEqual([
      expect.stringMatching(/^pushgate: would deny: container "web": .* was rejected: p\/r: bad$/),
      expect.stringMatching(/^pushgate: would deny: container "nginx": .*has not been inspected/),
      expect.stringMatching(/^pushgate: container "metrics-agent": .*: p\/w: meh$/),
    ]);
    // The API server prefixes the key with the webhook name and drops keys that hold a "/".
    expect(Object.keys(answer.auditAnnotations ?? {})).toEqual([WOULD_DENY_ANNOTATION]);
    expect(WOULD_DENY_ANNOTATION).not.toContain('/');
    expect(answer.auditAnnotations?.[WOULD_DENY_ANNOTATION]).toMatch(
      /^Deployment shop\/web: container "web": .*rejected: p\/r: bad; container "nginx"/,
    );
  });

  it('audit mode with nothing to deny adds no annotation', () => {
    expect(composeAnswer(deploymentDecisions(), AUDIT, CONTEXT)).toEqual({ allowed: true });
  });

  it('names every slot kind, and a pod without a name yet (generateName)', () => {
    const answer = composeAnswer(
      [
        decision({ slot: 'initContainer', name: 'migrate' }, 'reject'),
        decision({ slot: 'ephemeralContainer', name: 'debugger' }, 'reject'),
        decision({ slot: 'imageVolume', name: 'assets' }, 'reject'),
      ],
      ENFORCE,
      { ...CONTEXT, kind: 'Pod', name: '' },
    );
    expect(answer.message).toMatch(/^pushgate denied Pod in namespace shop:\n/);
    expect(answer.message).toContain('- init container "migrate"');
    expect(answer.message).toContain('- ephemeral container "debugger"');
    expect(answer.message).toContain('- image volume "assets"');
    expect(answer.message).toContain('was rejected: a pushgate policy failed');
  });

  it('a malformed object is denied in enforce mode and reported in audit mode', () => {
    const context = {
      ...CONTEXT,
      malformed: ['/spec/template/spec/containers/0/image is a number, not a string'],
    };
    const denied = composeAnswer([], ENFORCE, context);
    expect(denied.allowed).toBe(false);
    expect(denied.message).toContain(
      'the object cannot be read: /spec/template/spec/containers/0/image is a number',
    );
    expect(composeAnswer([], AUDIT, context)).toMatchObject({
      allowed: true,
      warnings: [expect.stringMatching(/would deny/)],
    });
  });

  it('escapes every string from the request or the image (kubectl prints it to a terminal)', () => {
    const evil = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e\r\nWarning: forged';
    const answer = composeAnswer(
      [
        decision({ name: `app${evil}`, image: `registry.example.com/app:1${evil}` }, 'reject', [
          `policy/rule: ${evil}`,
        ]),
      ],
      ENFORCE,
      { ...CONTEXT, kind: `Deployment${evil}`, name: `web${evil}`, namespace: `shop${evil}` },
    );
    const message = answer.message ?? '';
    // eslint-disable-next-line no-control-regex
    expect(message.split('\n').join('')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(message.split('\n')).toHaveLength(2);
    expect(message).toContain('\\x1b]0;owned\\x07');
    const audit = composeAnswer([decision({ name: evil }, 'reject', [evil])], AUDIT, {
      ...CONTEXT,
      name: evil,
    });
    // eslint-disable-next-line no-control-regex
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u202e]/;
    for (const warning of audit.warnings ?? []) expect(warning).not.toMatch(unsafe);
    expect(audit.auditAnnotations?.[WOULD_DENY_ANNOTATION]).not.toMatch(unsafe);
  });

  it('bounds the message, each warning and their number, however many containers', () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      decision({ name: `c${i}`, image: `registry.example.com/team/app-${i}:${'v'.repeat(120)}` }, 'reject', [
        ...Array.from({ length: 12 }, (_, j) => `policy-${j}/rule: ${'x'.repeat(1000)}`),
      ]),
    );
    const denied = composeAnswer(many, ENFORCE, CONTEXT);
    expect(denied.message?.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(denied.message).toMatch(/\n- … and \d+ more$/);
    expect(denied.message).toContain('and 7 more failing rules');
    const audit = composeAnswer(many, AUDIT, CONTEXT);
    expect(audit.warnings).toHaveLength(MAX_WARNINGS);
    for (const warning of audit.warnings ?? []) expect(warning.length).toBeLessThanOrEqual(MAX_WARNING_CHARS);
    expect(audit.warnings?.at(-1)).toBe(`pushgate: … and ${500 - MAX_WARNINGS + 1} more warnings`);
    expect(audit.auditAnnotations?.[WOULD_DENY_ANNOTATION]?.length).toBeLessThanOrEqual(2048);
  });

  it('an image with enormous fields is still named, within the cap', () => {
    const answer = composeAnswer(
      [
        decision(
          { name: 'n'.repeat(5000) },
          'reject',
          Array.from({ length: 5 }, () => 'r'.repeat(5000)),
        ),
      ],
      ENFORCE,
      CONTEXT,
    );
    expect(answer.message?.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(answer.message).toContain('- container "nnnn');
  });
});
