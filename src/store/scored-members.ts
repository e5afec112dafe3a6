export interface ScoredMember {
  member: string;
  score: number;
}

/**
 * A `ZRANGE … WITHSCORES` reply as member/score pairs, whatever the protocol gave: RESP2 and
 * ioredis's legacy RESP3 mapping return a flat `[member, score, …]` array, the `resp3` mapping
 * returns `[member, score]` pairs with numeric scores.
 */
export function scoredMembers(reply: unknown): ScoredMember[] {
  if (!Array.isArray(reply)) return [];
  const out: ScoredMember[] = [];
  if (reply.length > 0 && Array.isArray(reply[0])) {
    for (const pair of reply) {
      if (Array.isArray(pair) && pair.length === 2)
        out.push({ member: String(pair[0]), score: Number(pair[1]) });
    }
    return out;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    out.push({ member: String(reply[i]), score: Number(reply[i + 1]) });
  }
  return out;
}
