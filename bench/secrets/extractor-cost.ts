/**
 * What the secrets extractor costs on the scan benchmark's layers, without a registry: reads the
 * layer blobs `npm run bench:scan` left in bench/.work/layers and scans them cold with no
 * extractor, with the secrets extractor alone and with every extractor, best of N rounds.
 *
 *   npx tsx bench/secrets/extractor-cost.ts [--rounds 3] [--work bench/.work] [--each]
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FactExtractor } from '../../src/facts/extractor.js';
import { EXTRACTORS } from '../../src/facts/extractors/index.js';
import { secrets } from '../../src/facts/extractors/secrets.js';
import { gatherFacts } from '../../src/facts/gather-facts.js';
import type { ResolvedImage } from '../../src/image/types.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    work: { type: 'string', default: fileURLToPath(new URL('../.work', import.meta.url)) },
    each: { type: 'boolean', default: false },
  },
});
const dir = join(values.work, 'layers');
const layers = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const meta = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      digest: string;
      size: number;
      diffId: string;
    };
    return { ...meta, file: join(dir, f.replace(/\.json$/, '.tar.gz')) };
  });
if (layers.length === 0) throw new Error(`no layers in ${dir}: run npm run bench:scan once first`);

const image: ResolvedImage = {
  reference: 'bench/usr:local',
  source: 'oci',
  platforms: [
    {
      platform: { os: 'linux', architecture: 'amd64' },
      configDigest: 'sha256:' + '0'.repeat(64),
      config: { config: {}, history: [], rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } },
      layers: layers.map((l) => ({
        descriptor: {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.size,
        },
        diffId: l.diffId,
      })),
      openLayer: async (i) => createReadStream(layers[i].file),
    },
  ],
  skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
};

async function time(extractors: readonly FactExtractor[]): Promise<{ seconds: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const [result] = await gatherFacts(image, { extractors });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (extractors.includes(secrets as FactExtractor)) {
    const s = result.facts.secrets;
    console.log(
      `  secrets: ${s?.findings.length} findings, skipped ${JSON.stringify(s?.skipped)}, scanned ${JSON.stringify(s?.scanned)}`,
    );
  }
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6 };
}

const runs: Array<[string, readonly FactExtractor[]]> = [
  ['structural only', []],
  ['secrets only', [secrets as FactExtractor]],
  ['all extractors', EXTRACTORS],
  // --each: every other extractor alone too, to see who costs what.
  ...(values.each
    ? EXTRACTORS.filter((e) => e !== secrets).map((e): [string, readonly FactExtractor[]] => [
        `${e.id} only`,
        [e],
      ])
    : []),
];
const best = new Map<string, { seconds: number; cpu: number }>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, extractors] of runs) {
    const t = await time(extractors);
    console.log(`round ${round + 1}: ${name} ${t.seconds.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU`);
    const prev = best.get(name);
    best.set(name, {
      seconds: Math.min(prev?.seconds ?? Infinity, t.seconds),
      cpu: Math.min(prev?.cpu ?? Infinity, t.cpu),
    });
  }
}
const base = best.get('structural only')!;
for (const [name] of runs) {
  const t = best.get(name)!;
  console.log(
    `${name}: ${t.seconds.toFixed(2)} s (${(t.seconds / base.seconds).toFixed(2)} ×), CPU ${t.cpu.toFixed(2)} s (${(t.cpu / base.cpu).toFixed(2)} ×)`,
  );
}
