import { describe, expect, it } from 'vitest';
import { eventKey, inspectJobId } from '../../../src/queue/job-id.js';
import { toInspectJob } from '../../../src/queue/to-inspect-job.js';
import type { PushEvent } from '../../../src/webhooks/types.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('toInspectJob: the one place an inspect job is built', () => {
  it('a push event: the job carries what inspection reads, under the delivery id', () => {
    const event: PushEvent = {
      source: 'distribution',
      registry: 'local',
      repository: 'team/app',
      digest: DIGEST,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      eventId: 'e-1',
      actor: 'alice',
      receivedAt: '2025-01-15T10:00:00.000Z',
      ownWriteHint: 'tag "1-verified" matches',
      untaggedManifestsBelongToIndex: true,
    };
    const job = toInspectJob(event, { policySetVersion: 'v7' });
    expect(job).toEqual({
      name: 'inspect',
      data: {
        registry: 'local',
        repository: 'team/app',
        digest: DIGEST,
        source: 'distribution',
        eventId: 'e-1',
        receivedAt: '2025-01-15T10:00:00.000Z',
        ownWriteHint: 'tag "1-verified" matches',
        untaggedManifestsBelongToIndex: true,
      },
      opts: {
        jobId: inspectJobId({
          registry: 'local',
          repository: 'team/app',
          digest: DIGEST,
          policySetVersion: 'v7',
          eventKey: eventKey('e-1', '2025-01-15T10:00:00.000Z'),
        }),
      },
    });
  });

  it('a sender without event ids: one job per tag and minute; another policy set, another job', () => {
    const at = (receivedAt: string, tag = '1.0') =>
      toInspectJob(
        { source: 'dockerhub', registry: 'hub', repository: 'team/app', tag, receivedAt },
        { policySetVersion: 'v1' },
      ).opts.jobId;
    expect(at('2025-01-15T10:00:05.000Z')).toBe(at('2025-01-15T10:00:55.000Z'));
    expect(at('2025-01-15T10:00:05.000Z')).not.toBe(at('2025-01-15T10:01:05.000Z'));
    expect(at('2025-01-15T10:00:05.000Z')).not.toBe(at('2025-01-15T10:00:05.000Z', '1.1'));
    const data = toInspectJob(
      { source: 'dockerhub', registry: 'hub', repository: 'team/app', tag: '1.0', receivedAt: 'x' },
      { policySetVersion: 'v2' },
    );
    expect(data.data).toEqual({
      registry: 'hub',
      repository: 'team/app',
      tag: '1.0',
      source: 'dockerhub',
      receivedAt: 'x',
    });
  });

  it('a manual scan: forced, keyed by the caller', () => {
    const request = {
      source: 'api' as const,
      registry: 'local',
      repository: 'team/app',
      tag: '1.0',
      receivedAt: '2025-01-15T10:00:00.000Z',
    };
    const one = toInspectJob(request, { policySetVersion: 'v1', force: true, eventKey: 'api=1' });
    const two = toInspectJob(request, { policySetVersion: 'v1', force: true, eventKey: 'api=2' });
    expect(one.data).toMatchObject({ source: 'api', force: true, tag: '1.0' });
    expect(one.opts.jobId).not.toBe(two.opts.jobId);
    expect(one.opts.jobId).toMatch(/^inspect-[0-9a-f]{40}$/);
  });
});
