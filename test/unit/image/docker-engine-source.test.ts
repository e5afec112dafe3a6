import { describe, expect, it } from 'vitest';

import { DockerEngineSource, repoDigestFor } from '../../../src/image/docker-engine-source.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('repoDigestFor', () => {
  it('takes the digest recorded for the same repository', () => {
    const digests = [`localhost:5000/team/app@${A}`, `nginx@${B}`];
    expect(repoDigestFor('localhost:5000/team/app:1', digests)).toBe(A);
    expect(repoDigestFor('nginx', digests)).toBe(B);
    expect(repoDigestFor('docker.io/library/nginx:1.27', digests)).toBe(B);
  });

  it('takes the pinned digest when the engine knows it', () => {
    expect(repoDigestFor(`team/app@${B}`, [`team/app@${A}`, `team/app@${B}`])).toBe(B);
  });

  it('falls back to the only distinct digest, and gives none when ambiguous or absent', () => {
    expect(repoDigestFor(A.slice(7, 19), [`x/y@${A}`, `z@${A}`])).toBe(A);
    expect(repoDigestFor('other:1', [`x/y@${A}`, `z@${B}`])).toBeUndefined();
    expect(repoDigestFor('x', [])).toBeUndefined();
    expect(repoDigestFor('x', null)).toBeUndefined();
    expect(repoDigestFor('x', ['garbage'])).toBeUndefined();
  });
});

describe('DockerEngineSource', () => {
  it('names the default socket when the engine is not reachable', async () => {
    const source = new DockerEngineSource('app:1', { socketPath: '/nonexistent/docker.sock' });
    expect(source.kind).toBe('docker');
    await expect(source.resolve()).rejects.toMatchObject({
      code: 'DOCKER_ENGINE',
      transient: true,
      message: expect.stringContaining(
        'inspect image app:1: cannot reach the Docker engine at /nonexistent/docker.sock',
      ),
    });
    await source.close();
  });
});
