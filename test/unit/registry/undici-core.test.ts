import { createRequire } from 'node:module';
import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { Agent, UNDICI_PARTS } from '../../../src/registry/undici-core.js';

const require = createRequire(import.meta.url);

describe("the parts of undici the registry client loads without undici's index", () => {
  it('are the Agent and the request the index exports', () => {
    expect(Agent).toBe(undici.Agent);
    expect(require(UNDICI_PARTS.agent)).toBe(undici.Agent);
    // The index installs api.request on Dispatcher.prototype and wraps the same function as request().
    expect(require(UNDICI_PARTS.request)).toBe(undici.Dispatcher.prototype.request);
  });
});
