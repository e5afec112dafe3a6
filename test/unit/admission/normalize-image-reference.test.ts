import { describe, expect, it } from 'vitest';
import { extractImages } from '../../../src/admission/extract-images.js';
import { normalizeImageReference } from '../../../src/admission/normalize-image-reference.js';
import { reviewNames, reviewRequest } from './fixture.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('normalizeImageReference', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['team/app', 'docker.io/team/app:latest'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/team/app:2', 'docker.io/team/app:2'],
    ['reg:5000/a', 'reg:5000/a:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['registry.example.com/shop/web:1.4.2', 'registry.example.com/shop/web:1.4.2'],
    [`a@${DIGEST}`, `docker.io/library/a@${DIGEST}`],
    [`a:tag@${DIGEST}`, `docker.io/library/a:tag@${DIGEST}`],
    [`reg:5000/team/app:1@${DIGEST}`, `reg:5000/team/app:1@${DIGEST}`],
  ])('%s → %s', (written, normalized) => {
    const result = normalizeImageReference(written);
    expect(result).toMatchObject({ ok: true, text: normalized });
  });

  it('gives the parsed parts too', () => {
    expect(normalizeImageReference(`reg:5000/a:1@${DIGEST}`)).toEqual({
      ok: true,
      text: `reg:5000/a:1@${DIGEST}`,
      reference: { registry: 'reg:5000', repository: 'a', tag: '1', digest: DIGEST },
    });
  });

  it.each([
    ['', /empty/],
    ['Nginx', /lowercase/],
    ['nginx:', /tag/],
    ['a@sha256:abc', /sha256/],
    ['https://reg/app', /URL scheme/],
    ['a b', /whitespace/],
    ['a'.repeat(64).replace(/a/g, 'f'), /image id/],
    // Runtimes read `sha256:<hex>` as a local image id: whatever is cached on the node would run.
    [`sha256:${'b'.repeat(64)}`, /image id/],
    [`sha512:${'c'.repeat(128)}`, /image id/],
  ])('%j is an error result, not a throw', (written, why) => {
    const result = normalizeImageReference(written);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(why);
  });

  it('escapes what it quotes from the reference', () => {
    const result = normalizeImageReference('evil\u001b[31m/app\u202e:1');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).not.toContain('\u001b');
      expect(result.error).not.toContain('\u202e');
      expect(result.error).toContain('\\x1b');
    }
  });

  it('every image in the fixtures normalises', () => {
    for (const name of reviewNames()) {
      for (const image of extractImages(reviewRequest(name)).images) {
        expect(normalizeImageReference(image.image), `${name}: ${image.image}`).toMatchObject({ ok: true });
      }
    }
  });
});
