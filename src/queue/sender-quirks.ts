import { adapterById } from '../webhooks/index.js';
import type { InspectJobData } from './job-types.js';

/**
 * A job as its sender's adapter declares it today. Jobs queued before adapters carried their quirks
 * on the job (one release of overlap) have only their `source`: the adapter fills the rest in, so
 * the pipeline never needs a list of senders of its own.
 */
export function withSenderQuirks(data: InspectJobData): InspectJobData {
  if (data.untaggedManifestsBelongToIndex !== undefined || data.tag !== undefined) return data;
  return adapterById(data.source)?.untaggedManifestsBelongToIndex
    ? { ...data, untaggedManifestsBelongToIndex: true }
    : data;
}
