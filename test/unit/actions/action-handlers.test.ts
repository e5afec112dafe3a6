import { describe, expect, it } from 'vitest';
import { ACTION_HANDLERS } from '../../../src/actions/action-handlers.js';

describe('ACTION_HANDLERS', () => {
  it('registers every action kind once, under its own kind', () => {
    const entries = Object.entries(ACTION_HANDLERS);
    expect(entries.map(([key]) => key).sort()).toEqual(['attach', 'delete', 'notify', 'quarantine', 'tag']);
    for (const [key, handler] of entries) expect(handler.kind).toBe(key);
    expect(new Set(Object.values(ACTION_HANDLERS)).size).toBe(entries.length);
  });
});
