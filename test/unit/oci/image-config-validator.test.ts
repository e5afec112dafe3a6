import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  IMAGE_CONFIG_VALIDATOR_FILE,
  imageConfigValidatorCode,
} from '../../support/image-config-validator.js';

describe('the generated image config validator', () => {
  it('is the code ajv generates from image-config.schema.json today (else: npm run gen:validators)', async () => {
    expect(await readFile(IMAGE_CONFIG_VALIDATOR_FILE, 'utf8')).toBe(await imageConfigValidatorCode());
  });
});
