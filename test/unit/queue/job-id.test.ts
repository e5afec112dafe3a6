import { describe, expect, it } from 'vitest';
import { enforceJobId, eventKey, inspectJobId, JOB_ID_PATTERN } from '../../../src/queue/job-id.js';

const base = {
  registry: 'local',
  repository: 'prod/app',
  digest: `sha256:${'a'.repeat(64)}`,
  policySetVersion: 'v1',
};

describe('job ids', () => {
  it('drop a retried delivery but not a new push of the same tag', () => {
    const first = inspectJobId({ ...base, tag: '1.0', eventKey: eventKey('evt-1', '2026-11-27T10:00:00Z') });
    const retry = inspectJobId({ ...base, tag: '1.0', eventKey: eventKey('evt-1', '2026-11-27T10:05:00Z') });
    const again = inspectJobId({ ...base, tag: '1.0', eventKey: eventKey('evt-2', '2026-11-27T10:05:00Z') });
    expect(retry).toBe(first);
    expect(again).not.toBe(first);
  });

  it('give each tag and each policy set its own job', () => {
    const key = eventKey('evt-1', '2026-11-27T10:00:00Z');
    const ids = new Set([
      inspectJobId({ ...base, tag: '1.0', eventKey: key }),
      inspectJobId({ ...base, tag: 'latest', eventKey: key }),
      inspectJobId({ ...base, tag: '1.0', eventKey: key, policySetVersion: 'v2' }),
    ]);
    expect(ids.size).toBe(3);
  });

  it('group deliveries without a sender id by the minute they arrived in', () => {
    expect(eventKey(undefined, '2026-11-27T10:00:01Z')).toBe(eventKey(undefined, '2026-11-27T10:00:59Z'));
    expect(eventKey(undefined, '2026-11-27T10:00:59Z')).not.toBe(eventKey(undefined, '2026-11-27T10:01:00Z'));
  });

  it('are valid BullMQ custom ids (no colon) that the API can recognise', () => {
    const id = inspectJobId({ ...base, eventKey: 'x' });
    expect(id).toMatch(JOB_ID_PATTERN);
    expect(enforceJobId(id)).toMatch(JOB_ID_PATTERN);
    expect(id).not.toContain(':');
    expect(JOB_ID_PATTERN.test('stalled-check')).toBe(false);
  });
});
