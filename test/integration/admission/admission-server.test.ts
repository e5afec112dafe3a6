import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startAdmissionServer,
  type RunningAdmissionServer,
} from '../../../src/admission/admission-server.js';
import type { AdmissionAnswer, AdmissionDecider, AdmissionRequest } from '../../../src/admission/types.js';
import type { AdmissionConfig } from '../../../src/config/types.js';
import { PushgateError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { createTestCa, issueServerPair, type TestCa } from '../../support/test-ca.js';
import { tempDir } from '../../support/temp-dir.js';
import { httpsRequest, podReview } from './admission-client.js';

type Behaviour = (
  operation: 'validate' | 'mutate',
  request: AdmissionRequest,
  signal: AbortSignal,
) => Promise<AdmissionAnswer>;

/** The decider the lead's glue will replace: answers what each test tells it to. */
class TestDecider implements AdmissionDecider {
  calls: Array<{ operation: 'validate' | 'mutate'; request: AdmissionRequest; signal: AbortSignal }> = [];
  behaviour: Behaviour = () => Promise.resolve({ allowed: true });

  validate(request: AdmissionRequest, signal: AbortSignal): Promise<AdmissionAnswer> {
    this.calls.push({ operation: 'validate', request, signal });
    return this.behaviour('validate', request, signal);
  }

  mutate(request: AdmissionRequest, signal: AbortSignal): Promise<AdmissionAnswer> {
    this.calls.push({ operation: 'mutate', request, signal });
    return this.behaviour('mutate', request, signal);
  }
}

function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

const DEADLINE_MS = 400;

function admissionConfig(
  tls: { certFile: string; keyFile: string },
  overrides: Partial<AdmissionConfig> = {},
): AdmissionConfig {
  return {
    enabled: true,
    port: 0,
    host: '127.0.0.1',
    tls: { ...tls, pollIntervalMs: 10_000 },
    mode: 'enforce',
    maxBodyBytes: 64 * 1024,
    deadlineMs: DEADLINE_MS,
    errorVerdicts: 'deny',
    unknownImages: 'deny',
    unconfiguredRegistries: 'deny',
    onUnavailable: 'deny',
    exemptNamespaces: [],
    exemptImages: [],
    mutate: { enabled: true },
    protectAdmittedDays: 30,
    ...overrides,
  };
}

let dir: { path: string; remove(): Promise<void> };
let ca: TestCa;
let pair: { certFile: string; keyFile: string };

beforeAll(async () => {
  dir = await tempDir('pushgate-admission-');
  ca = await createTestCa(join(dir.path, 'ca'));
  pair = await issueServerPair(ca, join(dir.path, 'server'), 'admission');
});

afterAll(async () => {
  await dir?.remove();
});

describe('admission endpoint', () => {
  const decider = new TestDecider();
  const logs = logSink();
  const registry = new Registry();
  let admission: RunningAdmissionServer;

  beforeAll(async () => {
    admission = await startAdmissionServer(
      admissionConfig(pair),
      decider,
      createLogger({ level: 'debug' }, {}, logs.stream),
      { metricsRegistry: registry },
    );
  });
  afterAll(async () => {
    await admission?.close();
  });
  beforeEach(() => {
    decider.calls = [];
    decider.behaviour = () => Promise.resolve({ allowed: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    httpsRequest(admission.url, {
      ca: ca.cert,
      path,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', ...headers },
    });

  it('serves over HTTPS with a certificate the test CA signed, and answers /healthz', async () => {
    expect(admission.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await httpsRequest(admission.url, { ca: ca.cert, method: 'GET', path: '/healthz' });
    expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
  });

  it('echoes the uid and encodes an allow with warnings and audit annotations', async () => {
    decider.behaviour = () =>
      Promise.resolve({
        allowed: true,
        warnings: ['container app: image registry.example.com/team/app:1 warns: base image is old'],
        auditAnnotations: { decision: 'warn' },
      });
    const review = podReview({ dryRun: true });
    const answer = await post('/admission/validate', review);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: (review.request as { uid: string }).uid,
        allowed: true,
        warnings: ['container app: image registry.example.com/team/app:1 warns: base image is old'],
        auditAnnotations: { decision: 'warn' },
      },
    });
    expect(decider.calls).toHaveLength(1);
    const { operation, request } = decider.calls[0];
    expect(operation).toBe('validate');
    expect(request).toMatchObject({
      uid: (review.request as { uid: string }).uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'web',
      namespace: 'team-a',
      operation: 'CREATE',
      dryRun: true,
      userInfo: { username: 'admin' },
    });
    expect(request.object).toEqual((review.request as { object: unknown }).object);
    expect(request.oldObject).toBeUndefined();
  });

  it('encodes a denial as status 403 with the message, escaped for the terminal kubectl prints to', async () => {
    decider.behaviour = () =>
      Promise.resolve({
        allowed: false,
        message: 'container app: image team/app:1 was rejected\npolicy base/no-root: runs as root \x1b[31m',
        warnings: ['bidi \u202e here'],
      });
    const review = podReview();
    const answer = await post('/admission/validate', review);
    expect(answer.status).toBe(200);
    expect((answer.json as { response: unknown }).response).toEqual({
      uid: (review.request as { uid: string }).uid,
      allowed: false,
      status: {
        code: 403,
        message: 'container app: image team/app:1 was rejected\npolicy base/no-root: runs as root \\x1b[31m',
      },
      warnings: ['bidi \\u202e here'],
    });
  });

  it('encodes a mutating answer as a base64 JSONPatch, and never sends a patch from the validating endpoint', async () => {
    const patch = [
      {
        op: 'replace' as const,
        path: '/spec/containers/0/image',
        value: `registry.example.com/team/app:1@sha256:${'a'.repeat(64)}`,
      },
    ];
    decider.behaviour = () => Promise.resolve({ allowed: true, patch });
    const review = podReview();
    const mutated = await post('/admission/mutate', review);
    const response = (mutated.json as { response: Record<string, unknown> }).response;
    expect(response).toMatchObject({
      uid: (review.request as { uid: string }).uid,
      allowed: true,
      patchType: 'JSONPatch',
    });
    expect(JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8'))).toEqual(patch);
    expect(decider.calls.map((c) => c.operation)).toEqual(['mutate']);

    const validated = await post('/admission/validate', podReview());
    const validResponse = (validated.json as { response: Record<string, unknown> }).response;
    expect(validResponse.allowed).toBe(true);
    expect(validResponse).not.toHaveProperty('patch');
    expect(validResponse).not.toHaveProperty('patchType');
  });

  it('refuses what is not an AdmissionReview with 400 and a message, and keeps serving', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        '{"apiVersion": "admission.k8s.io/v1", ',
        /^the body is not JSON: (syntax error at position \d+|the text ends too early)$/,
      ],
      ['[1, 2]', /the body must be a JSON object/],
      [{ ...podReview(), kind: 'Pod' }, /not an AdmissionReview admission\.k8s\.io\/v1: kind is Pod$/],
      [
        { ...podReview(), apiVersion: 'admission.k8s.io/v1beta1' },
        /apiVersion admission\.k8s\.io\/v1beta1 is not served: list only v1 in the webhook's admissionReviewVersions/,
      ],
      [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing$/],
      [podReview({ uid: undefined }), /request\.uid is missing$/],
      [podReview({ uid: 42 }), /request\.uid is missing$/],
      [
        podReview({ operation: 'PATCH' }),
        /request\.operation must be one of CREATE, UPDATE, DELETE, CONNECT/,
      ],
      [podReview({ kind: 'Pod' }), /request\.kind must be an object/],
      [podReview({ namespace: 7 }), /request\.namespace must be a string/],
    ];
    for (const [body, message] of cases) {
      const answer = await post('/admission/validate', body);
      expect([answer.status, (answer.json as { error: { code: string } }).error.code]).toEqual([
        400,
        'MALFORMED',
      ]);
      expect((answer.json as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(decider.calls).toEqual([]);
    const health = await httpsRequest(admission.url, { ca: ca.cert, method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
  });

  it('refuses other content types and encodings with 415, and bodies over maxBodyBytes with 413', async () => {
    const review = JSON.stringify(podReview());
    const wrongType = await post('/admission/validate', review, { 'Content-Type': 'text/plain' });
    expect([wrongType.status, wrongType.json]).toEqual([
      415,
      {
        error: {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'an AdmissionReview must be sent as Content-Type: application/json, not text/plain',
        },
      },
    ]);
    const gzipped = await httpsRequest(admission.url, {
      ca: ca.cert,
      path: '/admission/validate',
      body: gzipSync(review),
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
    });
    expect(gzipped.status).toBe(415);
    expect((gzipped.json as { error: { message: string } }).error.message).toMatch(
      /Content-Encoding gzip is not read/,
    );

    const huge = JSON.stringify(podReview({ object: { padding: 'x'.repeat(70 * 1024) } }));
    const declared = await post('/admission/validate', huge);
    expect([declared.status, declared.json]).toEqual([
      413,
      {
        error: {
          code: 'PAYLOAD_TOO_LARGE',
          message: 'the AdmissionReview is larger than admission.maxBodyBytes (65536 bytes)',
        },
      },
    ]);
    // Far over the cap: the client is still sending when the 413 goes out, and still reads it.
    const far = await post(
      '/admission/validate',
      JSON.stringify(podReview({ object: { padding: 'x'.repeat(3 * 1024 * 1024) } })),
    );
    expect(far.status).toBe(413);
    // No Content-Length: the cap is counted while the body arrives.
    const chunked = await httpsRequest(admission.url, {
      ca: ca.cert,
      path: '/admission/validate',
      chunks: [Buffer.from(huge.slice(0, 40_000)), Buffer.from(huge.slice(40_000))],
      headers: { 'Content-Type': 'application/json' },
    });
    expect(chunked.status).toBe(413);
    // A body just under the cap is read.
    const under = JSON.stringify(podReview({ object: { padding: 'x'.repeat(60 * 1024) } }));
    expect((await post('/admission/validate', under)).status).toBe(200);
    expect(decider.calls).toHaveLength(1);
  });

  it('answers 404 and 405 for other routes and methods', async () => {
    const missing = await post('/validate', podReview());
    expect([missing.status, (missing.json as { error: { code: string } }).error.code]).toEqual([
      404,
      'NOT_FOUND',
    ]);
    const get = await httpsRequest(admission.url, {
      ca: ca.cert,
      method: 'GET',
      path: '/admission/validate',
    });
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
  });

  it('answers per onUnavailable when the decider throws: the code and message of a PushgateError, never a bug’s', async () => {
    decider.behaviour = () =>
      Promise.reject(new PushgateError('STORE_UNAVAILABLE', 'read facts: Redis is not connected'));
    const review = podReview();
    const answer = await post('/admission/validate', review);
    expect(answer.status).toBe(200);
    expect((answer.json as { response: unknown }).response).toEqual({
      uid: (review.request as { uid: string }).uid,
      allowed: false,
      status: {
        code: 403,
        message:
          'pushgate could not decide: STORE_UNAVAILABLE: read facts: Redis is not connected (admission.onUnavailable: deny)',
      },
      auditAnnotations: { unavailable: 'error' },
    });

    decider.behaviour = () => {
      throw new TypeError('cannot read properties of undefined (secret internals)');
    };
    const bug = await post('/admission/validate', podReview());
    expect((bug.json as { response: { status: { message: string } } }).response.status.message).toBe(
      'pushgate could not decide: internal error (admission.onUnavailable: deny)',
    );
  });

  it('answers per onUnavailable by the deadline when the decider is slow, and aborts its signal', async () => {
    let aborted = false;
    decider.behaviour = (_op, _request, signal) =>
      new Promise(() => {
        // Never settles: a decider stuck on Redis that also ignores the signal.
        signal.addEventListener('abort', () => (aborted = true));
      });
    const answer = await post('/admission/validate', podReview());
    expect(answer.status).toBe(200);
    expect(
      (answer.json as { response: { allowed: boolean; status: { message: string } } }).response,
    ).toMatchObject({
      allowed: false,
      status: {
        message: `pushgate could not decide within ${DEADLINE_MS} ms (admission.onUnavailable: deny)`,
      },
    });
    expect(answer.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 20);
    expect(answer.ms).toBeLessThan(DEADLINE_MS + 2000);
    expect(aborted).toBe(true);
  });

  it('counts requests by operation, kind and decision, unavailable answers and decision latency', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(
      /pushgate_admission_requests_total\{operation="validate",kind="Pod",decision="allow"\} [1-9]/,
    );
    expect(text).toMatch(
      /pushgate_admission_requests_total\{operation="validate",kind="Pod",decision="deny"\} [1-9]/,
    );
    expect(text).toMatch(
      /pushgate_admission_requests_total\{operation="mutate",kind="Pod",decision="allow"\} [1-9]/,
    );
    expect(text).toMatch(
      /pushgate_admission_requests_total\{operation="validate",kind="unknown",decision="invalid"\} [1-9]/,
    );
    expect(text).toMatch(/pushgate_admission_unavailable_total\{operation="validate",reason="timeout"\} 1/);
    expect(text).toMatch(/pushgate_admission_unavailable_total\{operation="validate",reason="error"\} 2/);
    expect(text).toMatch(/pushgate_admission_decision_seconds_count\{operation="validate"\} [1-9]/);
  });

  it('logs uid, kind, namespace, name and decision, never the object', () => {
    const reviews = logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'admission review');
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews[0]).toMatchObject({
      operation: 'validate',
      kind: 'Pod',
      namespace: 'team-a',
      name: 'web',
      op: 'CREATE',
    });
    expect(reviews[0].uid).toMatch(/^705ab4f5-/);
    expect(reviews.map((r) => r.decision)).toContain('deny');
    const all = logs.lines.join('\n');
    expect(all).not.toContain('hunter2-must-never-be-logged');
  });
});

describe('admission endpoint settings', () => {
  const logger = createLogger({ level: 'silent' });

  it('onUnavailable allow: allowed with a warning', async () => {
    const decider = new TestDecider();
    decider.behaviour = () =>
      Promise.reject(new PushgateError('STORE_UNAVAILABLE', 'Redis is not connected'));
    const admission = await startAdmissionServer(
      admissionConfig(pair, { onUnavailable: 'allow' }),
      decider,
      logger,
    );
    try {
      const answer = await httpsRequest(admission.url, {
        ca: ca.cert,
        path: '/admission/validate',
        body: JSON.stringify(podReview()),
        headers: { 'Content-Type': 'application/json' },
      });
      expect((answer.json as { response: unknown }).response).toMatchObject({
        allowed: true,
        warnings: [
          'pushgate could not decide: STORE_UNAVAILABLE: Redis is not connected; allowed unchecked (admission.onUnavailable: allow)',
        ],
      });
    } finally {
      await admission.close();
    }
  });

  it('audit mode: an unavailable deny becomes a warning, and the mutating endpoint never patches', async () => {
    const decider = new TestDecider();
    decider.behaviour = () =>
      Promise.reject(new PushgateError('STORE_UNAVAILABLE', 'Redis is not connected'));
    const admission = await startAdmissionServer(admissionConfig(pair, { mode: 'audit' }), decider, logger);
    try {
      const send = (path: string) =>
        httpsRequest(admission.url, {
          ca: ca.cert,
          path,
          body: JSON.stringify(podReview()),
          headers: { 'Content-Type': 'application/json' },
        });
      const validated = await send('/admission/validate');
      expect((validated.json as { response: unknown }).response).toMatchObject({
        allowed: true,
        warnings: [expect.stringMatching(/admission\.mode audit: allowed, enforce would have denied/)],
      });
      const mutated = await send('/admission/mutate');
      expect((mutated.json as { response: unknown }).response).toEqual({
        uid: expect.any(String),
        allowed: true,
      });
      expect(decider.calls.map((c) => c.operation)).toEqual(['validate']);
    } finally {
      await admission.close();
    }
  });

  it('mutate.enabled false: the mutating endpoint allows unchanged without asking the decider', async () => {
    const decider = new TestDecider();
    const admission = await startAdmissionServer(
      admissionConfig(pair, { mutate: { enabled: false } }),
      decider,
      logger,
    );
    try {
      const answer = await httpsRequest(admission.url, {
        ca: ca.cert,
        path: '/admission/mutate',
        body: JSON.stringify(podReview()),
        headers: { 'Content-Type': 'application/json' },
      });
      expect((answer.json as { response: { allowed: boolean; patch?: string } }).response).toEqual({
        uid: expect.any(String),
        allowed: true,
      });
      expect(decider.calls).toEqual([]);
    } finally {
      await admission.close();
    }
  });
});
