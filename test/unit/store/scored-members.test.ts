import { describe, expect, it } from 'vitest';
import { scoredMembers } from '../../../src/store/scored-members.js';

describe('scoredMembers', () => {
  it('reads the flat RESP2 / legacy RESP3 shape', () => {
    expect(scoredMembers(['a', '5', 'b', '1.5'])).toEqual([
      { member: 'a', score: 5 },
      { member: 'b', score: 1.5 },
    ]);
  });

  it('reads RESP3 pairs', () => {
    expect(
      scoredMembers([
        ['a', 5],
        ['b', '2'],
      ]),
    ).toEqual([
      { member: 'a', score: 5 },
      { member: 'b', score: 2 },
    ]);
  });

  it('gives nothing for replies that are not arrays, and drops a dangling member', () => {
    expect(scoredMembers(null)).toEqual([]);
    expect(scoredMembers('x')).toEqual([]);
    expect(scoredMembers(['a', '1', 'b'])).toEqual([{ member: 'a', score: 1 }]);
  });
});
