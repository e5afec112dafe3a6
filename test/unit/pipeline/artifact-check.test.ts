import { describe, expect, it } from 'vitest';
import { artifactReason } from '../../../src/pipeline/artifact-check.js';

const digest = `sha256:${'c'.repeat(64)}`;
const imageConfig = { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 };
const tarGzip = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 3 };
const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 4 };

describe('artifactReason: what is skipped as an artifact, and what is judged', () => {
  it('judges a runnable image even when it carries a subject or an artifactType', () => {
    expect(artifactReason({ config: imageConfig, layers: [tarGzip], subject })).toBeUndefined();
    expect(artifactReason({ config: imageConfig, layers: [tarGzip], artifactType: 'x/y' })).toBeUndefined();
  });

  it('skips signatures, SBOMs and verdicts: no filesystem layer, or no image config', () => {
    const signature = {
      config: imageConfig,
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest, size: 5 }],
      subject,
    };
    expect(artifactReason(signature)).toMatch(/subject/);
    const verdict = {
      artifactType: 'application/vnd.pushgate.verdict.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest, size: 2 },
      layers: [{ mediaType: 'application/vnd.pushgate.verdict.v1+json', digest, size: 6 }],
      subject,
    };
    expect(artifactReason(verdict)).toMatch(/subject/);
    expect(
      artifactReason({ config: { ...imageConfig, mediaType: 'application/x-helm' }, layers: [tarGzip] }),
    ).toMatch(/not an image config/);
    expect(artifactReason({ config: imageConfig, layers: [], subject })).toMatch(/subject/);
  });

  it('skips an index of artifacts only, judges a plain image index', () => {
    expect(artifactReason({ manifests: [{ ...subject, artifactType: 'a/b' }] })).toMatch(/artifacts only/);
    expect(artifactReason({ manifests: [subject] })).toBeUndefined();
  });
});
