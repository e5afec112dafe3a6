import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { AdmissionConfig } from '../config/types.js';
import { ERRORS, isPushgateError, PushgateError } from '../errors.js';
import { printable } from '../escape-text.js';
import { errorFields, type Logger } from '../logger.js';
import { createAdmissionMetrics, type AdmissionOperation } from './admission-metrics.js';
import { CertificateReloader } from './certificate-reloader.js';
import { decideWithDeadline, unavailableAnswer } from './decide-with-deadline.js';
import { encodeResponse } from './encode-response.js';
import { parseReview } from './parse-review.js';
import { readReviewBody } from './read-review-body.js';
import { readTlsPair, validateTlsPair } from './tls-pair.js';
import { sendJson } from '../send-json.js';
import type { AdmissionAnswer, AdmissionDecider, AdmissionRequest } from './types.js';

export interface RunningAdmissionServer {
  server: Server;
  /** `https://host:port` as bound (port 0 picks a free one). */
  url: string;
  /** Polls the certificate files once now (tests; the poller runs on its own every pollIntervalMs). */
  reloadCertificate(): Promise<'unchanged' | 'reloaded' | 'refused'>;
  close(): Promise<void>;
}

export interface AdmissionServerOptions {
  /** Where the admission series go: the service's `/metrics` registry. A private one when absent. */
  metricsRegistry?: Registry;
}

const ROUTES: Record<string, AdmissionOperation> = {
  '/admission/validate': 'validate',
  '/admission/mutate': 'mutate',
};

/** A refused request: `{ error: { code, message } }`, as every pushgate HTTP refusal. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/**
 * The admission webhook's HTTPS listener: `POST /admission/validate`, `POST /admission/mutate` and
 * `GET /healthz`, on its own port because the API server calls webhooks over TLS only. The
 * certificate pair is validated at startup (a CONFIG_INVALID error otherwise) and then polled.
 * Every parsed review gets a 200 AdmissionReview answer: the decider's, or the
 * `admission.onUnavailable` one when it fails or misses `deadlineMs`. Only requests that are not
 * reviews get an HTTP error (400, 413, 415), each with a message saying what was wrong.
 */
export async function startAdmissionServer(
  config: AdmissionConfig,
  decider: AdmissionDecider,
  logger: Logger,
  options: AdmissionServerOptions = {},
): Promise<RunningAdmissionServer> {
  if (!config.tls) {
    throw new PushgateError('CONFIG_INVALID', 'admission.tls: is required when admission.enabled is true');
  }
  const tls = config.tls;
  const pair = await readTlsPair(tls);
  const info = validateTlsPair(pair);
  const metrics = createAdmissionMetrics(options.metricsRegistry ?? new Registry());

  const server = createServer({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Unreachable by design (handle answers every failure itself); a last guard, never a crash.
      logger.error(errorFields(err), 'admission: request handler failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error');
      else res.destroy();
    });
  });
  // The API server gives up after the webhook's timeoutSeconds; a client stalling mid-request is dropped.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('tlsClientError', (err) => logger.debug(errorFields(err), 'admission: TLS handshake failed'));

  const reloader = new CertificateReloader({
    tls,
    current: pair,
    apply: (next) => server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' }),
    logger,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method === 'GET' || req.method === 'HEAD') sendJson(res, 200, { status: 'ok' });
      else sendError(res, 405, 'BAD_REQUEST', `${printable(req.method ?? '', 20)} /healthz: GET only`);
      return;
    }
    const operation = ROUTES[path];
    if (!operation) {
      sendError(
        res,
        404,
        'NOT_FOUND',
        `no route ${printable(path, 100)}: POST /admission/validate or /admission/mutate`,
      );
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendError(
        res,
        405,
        'BAD_REQUEST',
        `${printable(req.method ?? '', 20)} ${path}: POST an AdmissionReview`,
      );
      return;
    }
    let request: AdmissionRequest;
    try {
      request = parseReview(await readReviewBody(req, config.maxBodyBytes));
    } catch (err) {
      const refusal = isPushgateError(err)
        ? err
        : new PushgateError('MALFORMED', 'the request body could not be read', { cause: err });
      metrics.countRequest(operation, undefined, 'invalid');
      logger.info({ operation, ...errorFields(refusal) }, 'admission: review refused');
      // A refusal sent before the whole body was read ends the connection: the socket cannot serve
      // another request (Node drains what is left once the answer is written).
      if (!req.complete) res.setHeader('Connection', 'close');
      sendError(res, ERRORS[refusal.code].http, refusal.code, refusal.message);
      return;
    }
    const started = process.hrtime.bigint();
    const answer = await decide(operation, request);
    metrics.observeDecision(operation, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.countRequest(operation, request.kind.kind, answer.allowed ? 'allow' : 'deny');
    const fields = {
      ...reviewFields(operation, request),
      op: request.operation,
      decision: answer.allowed ? 'allow' : 'deny',
      ...(answer.warnings?.length ? { warnings: answer.warnings.length } : {}),
      ...(answer.patch?.length ? { patched: answer.patch.length } : {}),
    };
    // Denials are what operators look for; at a few hundred reviews a second, allows stay at debug.
    if (answer.allowed) logger.debug(fields, 'admission review');
    else logger.info(fields, 'admission review');
    sendJson(res, 200, encodeResponse(request.uid, answer));
  }

  async function decide(operation: AdmissionOperation, request: AdmissionRequest): Promise<AdmissionAnswer> {
    // Pinning is off, or audit mode (which never changes objects): the mutating endpoint allows
    // unchanged without asking the decider, in case the webhook is registered anyway.
    if (operation === 'mutate' && (!config.mutate.enabled || config.mode === 'audit')) {
      return { allowed: true };
    }
    const decided = await decideWithDeadline(
      (signal) =>
        operation === 'validate' ? decider.validate(request, signal) : decider.mutate(request, signal),
      config.deadlineMs,
    );
    if (decided.kind === 'answer') {
      const { patch, ...rest } = decided.answer;
      // A validating webhook that returns a patch fails the API server's call: never send one.
      return operation === 'validate' || !patch ? rest : { ...rest, patch };
    }
    metrics.countUnavailable(operation, decided.reason);
    logger.warn(
      {
        ...reviewFields(operation, request),
        reason: decided.reason,
        ...(decided.error !== undefined ? errorFields(decided.error) : {}),
        onUnavailable: config.onUnavailable,
      },
      'admission: no decision, answering per admission.onUnavailable',
    );
    // The mutating webhook only pins; denying is the validating webhook's job, which answers
    // per onUnavailable on its own. A pod left unpinned is still judged there.
    if (operation === 'mutate')
      return { allowed: true, warnings: ['pushgate: image not pinned (no decision in time)'] };
    return unavailableAnswer(decided, config);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  reloader.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `https://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
  logger.info(
    { url, mode: config.mode, mutate: config.mutate.enabled, certificate: info },
    'admission webhook serving',
  );
  return {
    server,
    url,
    reloadCertificate: () => reloader.check(),
    async close() {
      reloader.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** What a log line says about a review: who and what, escaped and bounded — never the object. */
function reviewFields(operation: AdmissionOperation, request: AdmissionRequest): Record<string, string> {
  return {
    operation,
    uid: printable(request.uid, 64),
    kind: printable(request.kind.kind, 63),
    namespace: printable(request.namespace ?? '', 63),
    name: printable(request.name ?? '', 253),
  };
}
