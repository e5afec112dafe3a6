import { describe, expect, it } from 'vitest';
import { layerThreadsPay } from '../../../src/pipeline/inspect-image.js';

describe('layer threads in the worker', () => {
  it('are used only while concurrent inspections leave a core idle', () => {
    expect(layerThreadsPay(1, 2)).toBe(true);
    expect(layerThreadsPay(2, 2)).toBe(false);
    expect(layerThreadsPay(4, 2)).toBe(false);
    expect(layerThreadsPay(2, 8)).toBe(true);
  });
});
