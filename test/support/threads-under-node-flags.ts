/**
 * Run by test/integration/node-flags.test.ts in a process started with SCAN_NODE_FLAGS: starts a
 * thread with threadSafeExecArgv() (a Worker refuses V8 options: this throws if one slips through),
 * reads one layer in a layer thread and on this thread, and prints what the test compares as one
 * JSON line.
 */
import { Worker } from 'node:worker_threads';
import { EXTRACTORS } from '../../src/facts/extractors/index.js';
import { LayerThreadPool } from '../../src/facts/layer-thread-pool.js';
import { threadSafeExecArgv } from '../../src/node-flags.js';
import { readLayer } from '../../src/facts/read-layer.js';
import { ImageBudget } from '../../src/inspect/image-budget.js';
import { DEFAULT_WALK_LIMITS } from '../../src/inspect/types.js';
import { compressTar, layerOf, MEDIA_TYPE, streamOf } from '../fixtures/layers/layer-blobs.js';
import { tarLayer } from './image-builder.js';

const thread = new Worker("require('node:worker_threads').parentPort.postMessage(process.execArgv)", {
  eval: true,
  execArgv: threadSafeExecArgv(),
});
const threadExecArgv = await new Promise<string[]>((resolve, reject) => {
  thread.once('message', resolve);
  thread.once('error', reject);
});
await thread.terminate();

const tar = await tarLayer([
  { path: 'usr/bin/gcc', content: Buffer.alloc(2048, 1), mode: 0o755 },
  { path: 'app/.env', content: 'GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3Xq9Zp2Lm7Kd8Wj5Hs1Fb6\n' },
]);
const gz = compressTar(tar, 'gzip');
const layer = layerOf(gz, MEDIA_TYPE.gzip).layer;
const options = () => ({ limits: DEFAULT_WALK_LIMITS, budget: new ImageBudget(1024 * 1024 * 1024) });
const pool = new LayerThreadPool(1);
const threaded = await pool.read(
  async () => streamOf(gz),
  layer,
  EXTRACTORS.map((extractor) => ({ id: extractor.id })),
  options(),
);
const local = await readLayer(streamOf(gz), layer, EXTRACTORS, options());
await pool.close();
process.stdout.write(
  `${JSON.stringify({
    execArgv: process.execArgv,
    threadExecArgv,
    same: JSON.stringify(threaded.results) === JSON.stringify(local.results),
    secrets: (threaded.results.secrets as { findings: unknown[] }).findings.length,
  })}\n`,
);
