import { eventKey, inspectJobId } from './job-id.js';
import type { InspectJobData } from './job-types.js';

/** What asks for an inspection: a push event from intake, or a manual scan through the API. */
export type InspectRequest = Pick<
  InspectJobData,
  | 'source'
  | 'registry'
  | 'repository'
  | 'digest'
  | 'tag'
  | 'eventId'
  | 'receivedAt'
  | 'ownWriteHint'
  | 'untaggedManifestsBelongToIndex'
>;

export interface InspectJob {
  name: 'inspect';
  data: InspectJobData;
  opts: { jobId: string };
}

/**
 * The one place an inspect job is built: its data (only the fields the request has) and its
 * deterministic id (see `inspectJobId`). The delivery key is the sender's event id or arrival
 * minute unless the caller gives one (a manual scan: always a fresh job).
 */
export function toInspectJob(
  request: InspectRequest,
  options: { policySetVersion: string; eventKey?: string; force?: true },
): InspectJob {
  const data: InspectJobData = {
    registry: request.registry,
    repository: request.repository,
    ...(request.digest !== undefined ? { digest: request.digest } : {}),
    ...(request.tag !== undefined ? { tag: request.tag } : {}),
    source: request.source,
    ...(request.eventId !== undefined ? { eventId: request.eventId } : {}),
    receivedAt: request.receivedAt,
    ...(options.force ? { force: true } : {}),
    ...(request.ownWriteHint !== undefined ? { ownWriteHint: request.ownWriteHint } : {}),
    ...(request.untaggedManifestsBelongToIndex ? { untaggedManifestsBelongToIndex: true as const } : {}),
  };
  const jobId = inspectJobId({
    registry: data.registry,
    repository: data.repository,
    ...(data.digest !== undefined ? { digest: data.digest } : {}),
    ...(data.tag !== undefined ? { tag: data.tag } : {}),
    policySetVersion: options.policySetVersion,
    eventKey: options.eventKey ?? eventKey(request.eventId, request.receivedAt),
  });
  return { name: 'inspect', data, opts: { jobId } };
}
