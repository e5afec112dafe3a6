import { describe, expect, it } from 'vitest';
import type { FactExtractor } from '../../../../src/facts/extractor.js';
import { buildOrder } from '../../../../src/facts/extractors/build-order.js';
import type { ImageFacts } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type ImageSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';
import { pseudoRandom } from '../../../support/seed-images.js';

/** One layer per step (its `created_by`), each with a file so the layers differ. */
async function scan(steps: string[], spec: Partial<ImageSpec> = {}): Promise<ImageFacts> {
  const { facts } = await scanBuiltImage(
    await buildImage({
      ...spec,
      layers: steps.map((createdBy, i) => ({ createdBy, files: [{ path: `step/${i}`, content: `${i}\n` }] })),
    }),
    { extractors: [buildOrder as FactExtractor] },
  );
  expectValidFacts(facts);
  return facts;
}

const HASH = '6ad0eefad4362f315c7a001c5617e467e48a1034312741b1e36974a402fccd77';

describe('build-order extractor', () => {
  it('reports the context copied before npm ci, naming both steps', async () => {
    const facts = await scan(
      ['ADD rootfs.tar / # buildkit', 'COPY . . # buildkit', 'RUN /bin/sh -c npm ci --omit=dev # buildkit'],
      { emptyLayerHistory: [{ createdBy: 'WORKDIR /app', afterLayer: 0 }] },
    );
    // history: 0 ADD, 1 WORKDIR (empty), 2 COPY, 3 RUN
    expect(facts.buildOrder?.contextCopyBeforeInstall).toEqual([
      {
        copy: { index: 2, createdBy: 'COPY . . # buildkit' },
        install: {
          index: 3,
          createdBy: 'RUN /bin/sh -c npm ci --omit=dev # buildkit',
          command: 'npm ci --omit=dev',
        },
        evidence: [
          {
            kind: 'history',
            path: 'history[2]',
            layer: 1,
            layerDigest: facts.layers[1].digest,
            createdBy: 'COPY . . # buildkit',
            state: 'present',
            detail: 'copies the build context',
          },
          {
            kind: 'history',
            path: 'history[3]',
            layer: 2,
            layerDigest: facts.layers[2].digest,
            createdBy: 'RUN /bin/sh -c npm ci --omit=dev # buildkit',
            state: 'present',
            detail: 'installs dependencies: npm ci --omit=dev',
          },
        ],
      },
    ]);
    const findings = buildOrder.findings(facts);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      check: 'context-copied-before-install',
      severity: 'low',
      category: 'Build cache',
    });
    expect(findings[0].message).toBe(
      'history[2] (COPY . . # buildkit) copies the build context before history[3] installs dependencies (npm ci --omit=dev): every code change reinstalls them; copy the manifests and lockfiles first, install, then copy the rest',
    );
  });

  it('finds nothing when only the manifests come before the install and the context after it', async () => {
    const facts = await scan(
      [
        'COPY package.json package-lock.json ./ # buildkit',
        'RUN /bin/sh -c npm ci # buildkit',
        'COPY . . # buildkit',
        'RUN /bin/sh -c npm run build # buildkit',
      ],
      { emptyLayerHistory: [{ createdBy: 'WORKDIR /app', afterLayer: -1 }] },
    );
    expect(facts.buildOrder).toEqual({ contextCopyBeforeInstall: [] });
    expect(buildOrder.findings(facts)).toEqual([]);
  });

  it('reads the classic builder: a directory copied where the install runs', async () => {
    const bad = await scan(
      [
        `/bin/sh -c #(nop) COPY dir:${HASH} in . `,
        '/bin/sh -c pip install --no-cache-dir -r requirements.txt',
      ],
      { emptyLayerHistory: [{ createdBy: '/bin/sh -c #(nop) WORKDIR /srv', afterLayer: -1 }] },
    );
    expect(
      bad.buildOrder?.contextCopyBeforeInstall.map((i) => [i.copy.index, i.install.index, i.install.command]),
    ).toEqual([[1, 2, 'pip install --no-cache-dir -r requirements.txt']]);
    const subdirectory = await scan(
      [
        '/bin/sh -c #(nop) COPY multi:196fda6974d3c8d0e0f814f09af66c3338f1384653922089d0fb16c102ccd62f in ./ ',
        `/bin/sh -c #(nop) COPY dir:${HASH} in ./scripts `,
        '/bin/sh -c npm ci',
        `/bin/sh -c #(nop) COPY dir:${HASH} in . `,
      ],
      { emptyLayerHistory: [{ createdBy: '/bin/sh -c #(nop) WORKDIR /app', afterLayer: -1 }] },
    );
    expect(subdirectory.buildOrder?.contextCopyBeforeInstall).toEqual([]);
  });

  it('reports one finding per copy, naming the first install after it', async () => {
    const facts = await scan([
      'COPY . /app # buildkit',
      'RUN /bin/sh -c cd /app && npm ci # buildkit',
      'RUN /bin/sh -c cd /app && pip install -r requirements.txt # buildkit',
    ]);
    expect(facts.buildOrder?.contextCopyBeforeInstall.map((i) => [i.copy.index, i.install.index])).toEqual([
      [0, 1],
    ]);
  });

  it('quotes the steps as the facts history does, secrets masked', async () => {
    const token = `ghp_${pseudoRandom('build-order', 36)}`;
    const facts = await scan([
      'COPY . . # buildkit',
      `RUN /bin/sh -c pip install -r requirements.txt --index-url https://ci:${token}@registry.example.com/simple # buildkit`,
    ]);
    const [item] = facts.buildOrder?.contextCopyBeforeInstall ?? [];
    expect(item.install.createdBy).toBe(facts.history[1].createdBy);
    const text = JSON.stringify([facts.buildOrder, buildOrder.findings(facts)]);
    expect(text).toContain('pip install -r requirements.txt');
    expect(text).not.toContain(token);
  });
});
