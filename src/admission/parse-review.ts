import { PushgateError } from '../errors.js';
import { printable } from '../escape-text.js';
import { isRecord } from '../is-record.js';
import { jsonSyntaxProblem } from '../json-syntax.js';
import type { AdmissionRequest } from './types.js';

export const REVIEW_API_VERSION = 'admission.k8s.io/v1';

const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

function malformed(message: string): PushgateError {
  return new PushgateError('MALFORMED', `not an AdmissionReview ${REVIEW_API_VERSION}: ${message}`);
}

function optionalString(
  request: Record<string, unknown>,
  field: 'name' | 'namespace' | 'subResource',
): string | undefined {
  const value = request[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw malformed(`request.${field} must be a string`);
  return value;
}

function groupVersion<K extends 'kind' | 'resource'>(
  request: Record<string, unknown>,
  field: K,
): Record<'group' | 'version' | K, string> {
  const value = request[field];
  if (!isRecord(value)) throw malformed(`request.${field} must be an object`);
  const out: Record<string, string> = {};
  for (const key of ['group', 'version', field]) {
    const part = value[key] ?? '';
    if (typeof part !== 'string') throw malformed(`request.${field}.${key} must be a string`);
    out[key] = part;
  }
  return out as Record<'group' | 'version' | K, string>;
}

/**
 * The request of an AdmissionReview body, checked for everything pushgate reads: the envelope
 * (apiVersion, kind), `request.uid`, kind, resource and operation. Objects stay `unknown` for the
 * decider to read. Messages quote no part of the object (it may hold environment values), only the
 * offending field names and short, escaped values of the envelope.
 */
export function parseReview(body: Buffer): AdmissionRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PushgateError('MALFORMED', `the body is not JSON: ${jsonSyntaxProblem(err)}`);
  }
  if (!isRecord(parsed)) throw malformed('the body must be a JSON object');
  if (parsed.kind !== 'AdmissionReview') {
    throw malformed(
      typeof parsed.kind === 'string'
        ? `kind is ${printable(parsed.kind, 60)}`
        : 'kind AdmissionReview is missing',
    );
  }
  if (parsed.apiVersion !== REVIEW_API_VERSION) {
    throw malformed(
      typeof parsed.apiVersion === 'string'
        ? `apiVersion ${printable(parsed.apiVersion, 60)} is not served: list only v1 in the webhook's admissionReviewVersions`
        : 'apiVersion is missing',
    );
  }
  const request = parsed.request;
  if (!isRecord(request)) throw malformed('request is missing');
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '') throw malformed('request.uid is missing');
  const operation = request.operation;
  if (typeof operation !== 'string' || !OPERATIONS.has(operation)) {
    throw malformed('request.operation must be one of CREATE, UPDATE, DELETE, CONNECT');
  }
  const dryRun = request.dryRun;
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') {
    throw malformed('request.dryRun must be a boolean');
  }
  const subResource = optionalString(request, 'subResource');
  const name = optionalString(request, 'name');
  const namespace = optionalString(request, 'namespace');
  const userInfo = isRecord(request.userInfo) ? request.userInfo : undefined;
  return {
    uid,
    kind: groupVersion(request, 'kind'),
    resource: groupVersion(request, 'resource'),
    ...(subResource !== undefined ? { subResource } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    operation: operation as AdmissionRequest['operation'],
    ...(request.object !== undefined && request.object !== null ? { object: request.object } : {}),
    ...(request.oldObject !== undefined && request.oldObject !== null
      ? { oldObject: request.oldObject }
      : {}),
    ...(dryRun === true ? { dryRun: true } : {}),
    ...(userInfo && typeof userInfo.username === 'string'
      ? { userInfo: { username: userInfo.username } }
      : {}),
  };
}
