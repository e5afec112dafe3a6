import { escapeLines, escapeText } from '../escape-text.js';
import { REVIEW_API_VERSION } from './parse-review.js';
import type { AdmissionAnswer } from './types.js';

export interface AdmissionReviewResponse {
  apiVersion: typeof REVIEW_API_VERSION;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
    patchType?: 'JSONPatch';
    /** base64 of the JSONPatch document. */
    patch?: string;
  };
}

/**
 * The AdmissionReview the API server expects back: the request's uid, the decision, status on a
 * denial (kubectl prints its message), warnings, audit annotations, and a base64 JSONPatch when the
 * answer carries one and allows (a denial's patch would never apply). Text is escaped again here —
 * escaping is idempotent — so no answer can put a terminal escape in front of a kubectl user even
 * if a decider forgot; a denial message keeps its line breaks, each line escaped.
 */
export function encodeResponse(uid: string, answer: AdmissionAnswer): AdmissionReviewResponse {
  const response: AdmissionReviewResponse['response'] = { uid, allowed: answer.allowed };
  if (!answer.allowed) {
    response.status = {
      code: 403,
      message: escapeLines(answer.message ?? 'denied by pushgate'),
    };
  }
  if (answer.warnings && answer.warnings.length > 0) response.warnings = answer.warnings.map(escapeText);
  const annotations = Object.entries(answer.auditAnnotations ?? {});
  if (annotations.length > 0) {
    response.auditAnnotations = Object.fromEntries(annotations.map(([k, v]) => [k, escapeText(v)]));
  }
  if (answer.allowed && answer.patch && answer.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(answer.patch), 'utf8').toString('base64');
  }
  return { apiVersion: REVIEW_API_VERSION, kind: 'AdmissionReview', response };
}
