import { describe, expect, it } from 'vitest';
import { maskBuildArgs } from '../../../src/facts/mask-build-args.js';
import { buildImage } from '../../support/image-builder.js';
import { scanBuiltImage } from '../../support/scan-built-image.js';
import { pseudoRandom } from '../../support/seed-images.js';

const githubToken = `ghp_${pseudoRandom('gh-redaction', 36)}`;
const npmToken = `npm_${pseudoRandom('npm-redaction', 36)}`;
const labelToken = `ghp_${pseudoRandom('gh-label', 36)}`;

const passphrase = 'correct horse battery staple';

describe('secrets never reach the facts document', () => {
  it('masks ENV values judged secret by their name, in every history form', async () => {
    const image = await buildImage({
      layers: [{ createdBy: 'ADD rootfs /', files: [{ path: 'etc/os-release', content: 'ID=debian\n' }] }],
      emptyLayerHistory: [
        { createdBy: `/bin/sh -c #(nop)  ENV DB_PASSWORD=${passphrase}`, afterLayer: 0 },
        { createdBy: `ENV A=1 API_SECRET="${passphrase} 2"`, afterLayer: 0 },
        { createdBy: 'ENV ADMIN_PASSWORD Sup3rS3cretValue99', afterLayer: 0 },
      ],
    });
    const { facts } = await scanBuiltImage(image);
    const text = JSON.stringify(facts);
    for (const secret of [passphrase, 'Sup3rS3cretValue99']) expect(text).not.toContain(secret);
    expect(facts.history.map((h) => h.createdBy).slice(1)).toEqual([
      '/bin/sh -c #(nop)  ENV DB_PASSWORD=corr…(28 chars)',
      'ENV A=1 API_SECRET="corr…(30 chars)"',
      'ENV ADMIN_PASSWORD Sup3…(18 chars)',
    ]);
    const keys = (facts.secrets?.findings ?? []).filter((f) => f.source === 'history').map((f) => f.key);
    expect(keys.sort()).toEqual(['ADMIN_PASSWORD', 'API_SECRET', 'DB_PASSWORD']);
  });

  it('masks build arguments in the BuildKit RUN form too', () => {
    expect(maskBuildArgs(`RUN |1 NPM_TOKEN=${npmToken} /bin/sh -c npm ci # buildkit`)).toBe(
      'RUN |1 NPM_TOKEN=***(40 chars) /bin/sh -c npm ci # buildkit',
    );
  });

  it('keeps tokens out of history, layer createdBy, evidence and labels, while the secrets section reports them', async () => {
    const image = await buildImage({
      layers: [
        {
          createdBy: `RUN |1 NPM_TOKEN=${npmToken} /bin/sh -c npm ci # buildkit`,
          files: [{ path: 'etc/os-release', content: 'ID=debian\n' }],
        },
        {
          createdBy: `RUN /bin/sh -c curl -H "Authorization: token ${githubToken}" https://example.com/x # buildkit`,
          files: [
            { path: 'bin/sh', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), mode: 0o755 },
          ],
        },
      ],
      config: { Labels: { 'ci.token': labelToken, 'org.opencontainers.image.title': 'app' } },
    });
    const { facts } = await scanBuiltImage(image);
    const text = JSON.stringify(facts);
    for (const secret of [githubToken, npmToken, labelToken]) expect(text).not.toContain(secret);
    expect(facts.image.labels['org.opencontainers.image.title']).toBe('app');
    expect(facts.image.labels['ci.token']).toBe('ghp_…(40 chars)');
    expect(facts.history[1].createdBy).toContain('ghp_…(40 chars)');
    expect(facts.layers[1].createdBy).toContain('ghp_…(40 chars)');
    const rules = (facts.secrets?.findings ?? []).map((f) => `${f.source}:${f.rule}`).sort();
    expect(rules.filter((r) => r.startsWith('history:'))).toHaveLength(2);
    expect(rules.some((r) => r.startsWith('label:'))).toBe(true);
  });
});
