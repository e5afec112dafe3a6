import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/oci/manifest.js';

const digest = `sha256:${'a'.repeat(64)}`;
const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1 };

function parse(value: unknown): ReturnType<typeof parseManifest> {
  return parseManifest(Buffer.from(JSON.stringify(value)));
}

describe('parseManifest reads nulls as Go does and refuses wrong types', () => {
  it('null annotations and null annotation values', () => {
    const index = parse({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      annotations: { a: null, b: 'x' },
      manifests: [{ ...descriptor, annotations: null, platform: { os: 'linux', architecture: null } }],
    });
    expect(index.annotations).toEqual({ a: '', b: 'x' });
    if (index.kind !== 'index') throw new Error('not an index');
    expect(index.manifests[0]).toEqual({ ...descriptor, platform: { os: 'linux', architecture: '' } });
  });

  it.each([
    ['an annotation value that is a number', { annotations: { a: 1 } }, 'annotations has a value'],
    ['a platform that is a string', { manifests: [{ ...descriptor, platform: 'linux' }] }, 'platform is not'],
    [
      'a platform os that is a number',
      { manifests: [{ ...descriptor, platform: { os: 1, architecture: 'amd64' } }] },
      'platform.os is not a string',
    ],
  ])('%s', (_name, patch, expected) => {
    expect(() =>
      parse({ mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [descriptor], ...patch }),
    ).toThrow(expected);
  });
});
