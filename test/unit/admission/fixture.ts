import { readFileSync, readdirSync } from 'node:fs';
import type { AdmissionRequest } from '../../../src/admission/types.js';

const ROOT = new URL('../../fixtures/admission/', import.meta.url);

/** The names of the committed AdmissionReview fixtures (file names without .json). */
export function reviewNames(): string[] {
  return readdirSync(ROOT)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** The `request` of a committed AdmissionReview fixture (test/fixtures/admission/NAME.json). */
export function reviewRequest(name: string): AdmissionRequest {
  const review = JSON.parse(readFileSync(new URL(`${name}.json`, ROOT), 'utf8')) as {
    request: AdmissionRequest;
  };
  return review.request;
}
