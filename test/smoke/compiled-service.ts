/**
 * CI smoke test of the compiled service (`npm run build` first): `bin/pushgate.js start` runs
 * dist/, whose sandboxed inspector is dist/workers/inspect-image.js — a path the test suite (which
 * runs the sources) never takes. For each sandbox kind, a real registry's notification must lead
 * to a stored verdict and an applied action. Exits 1 with the service's output on failure.
 *
 *   npm run build && npx tsx test/smoke/compiled-service.ts
 *   npx tsx test/smoke/compiled-service.ts --source    # without dist/: the tsx shim path
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage } from '../support/image-builder.js';
import { REPO_ROOT, spawnService, startPushStack, waitForRecord } from '../support/pushgate-service.js';
import { buildSingleStageImage } from '../support/seed-images.js';
import { waitFor } from '../support/wait-for.js';

// `--source`: the same run from the sources (no dist/): the sandboxes then load the tsx shim.
const fromSource = process.argv.includes('--source');
if (!fromSource && !existsSync(join(REPO_ROOT, 'dist', 'workers', 'inspect-image.js'))) {
  console.error('smoke: dist/workers/inspect-image.js is missing: run `npm run build` first');
  process.exit(1);
}

let failed = false;
for (const sandbox of ['process', 'thread'] as const) {
  const { registry, cfg, stop } = await startPushStack({ workers: { sandbox } });
  const port = cfg.port;
  const service = spawnService('start', cfg.path);
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor('the service to be ready', async () => (await fetch(`${url}/readyz`)).ok, 30_000);
    const { digest } = await pushImage(
      { url: registry.url, repository: 'prod/smoke', tag: '1' },
      await buildSingleStageImage(),
    );
    const record = await waitForRecord(url, cfg.apiToken, digest, (r) =>
      (r.actions as Array<{ kind: string; outcome: string }>).some(
        (a) => a.kind === 'delete' && a.outcome === 'done',
      ),
    );
    console.log(
      `smoke (${sandbox} sandbox, ${fromSource ? 'sources' : 'compiled'}): ${record.decision}, ${(record.actions as unknown[]).length} action(s) — OK`,
    );
  } catch (error) {
    failed = true;
    console.error(
      `smoke (${sandbox} sandbox, ${fromSource ? 'sources' : 'compiled'}) FAILED: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.error(service.output().slice(-4000));
  } finally {
    await service.terminate();
    await stop();
  }
}
process.exit(failed ? 1 : 0);
