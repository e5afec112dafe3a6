import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanFile } from '../../../src/secrets/scan-file.js';

const ROOT = new URL('../../fixtures/secrets/false-positives/', import.meta.url);
/** JavaScript fixtures carry `.fixture` so the repository's linters leave them alone; they are scanned under their real name. */
const imagePath = (name: string): string => `app/${name.replace(/\.fixture$/, '')}`;

describe('false-positive corpus (test/fixtures/secrets/false-positives)', () => {
  const files = readdirSync(ROOT);

  it('holds the kinds of text that fool secret scanners', () => {
    for (const name of [
      'vendor-docs.md',
      'public-keys.pem',
      '.env.example',
      'read-env.js.fixture',
      'read_env.py',
      'bundle.min.js.fixture',
      'bundle.min.js.map',
      'package-lock.json',
      'yarn.lock',
      'identifiers.txt',
      'authorized_keys',
      'Dockerfile',
    ]) {
      expect(files).toContain(name);
    }
  });

  for (const name of files) {
    it(`${name}: no finding`, () => {
      const found = scanFile(imagePath(name), readFileSync(new URL(name, ROOT)));
      expect(found.kind).toBe('text');
      expect(found.secrets.map((f) => `${f.rule} line ${f.line}: ${f.value}`)).toEqual([]);
    });
  }
});
