import { describe, expect, it } from 'vitest';
import { withSenderQuirks } from '../../../src/queue/sender-quirks.js';
import type { InspectJobData } from '../../../src/queue/job-types.js';

const job = (extra: Partial<InspectJobData>): InspectJobData => ({
  source: 'distribution',
  registry: 'local',
  repository: 'prod/app',
  digest: `sha256:${'a'.repeat(64)}`,
  receivedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('withSenderQuirks: jobs queued before adapters put their quirks on the job', () => {
  it('fills in the quirk from the sender adapter for an untagged job', () => {
    expect(withSenderQuirks(job({})).untaggedManifestsBelongToIndex).toBe(true);
    expect(withSenderQuirks(job({ source: 'acr' })).untaggedManifestsBelongToIndex).toBe(true);
  });

  it('leaves tagged jobs, senders without the quirk and jobs that carry it as they are', () => {
    for (const data of [job({ tag: '1' }), job({ source: 'dockerhub' }), job({ source: 'api' })]) {
      expect(withSenderQuirks(data)).toBe(data);
    }
  });
});
