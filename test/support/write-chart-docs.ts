// `npm run gen:chart`: writes helm/pushgate/values.schema.json, the parameter tables of
// helm/pushgate/README.md (from the `## @param` lines of values.yaml) and the golden render of the
// default values. Tests fail when any of them is stale.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHART_GOLDEN, helmWithValues, maskGenerated, NAMESPACE } from './chart.js';
import { buildValuesSchema, CHART_DIR, VALUES_SCHEMA_PATH } from './chart-values-schema.js';
import { REPO_ROOT } from './run-cli.js';

writeFileSync(VALUES_SCHEMA_PATH, `${JSON.stringify(buildValuesSchema(), null, 2)}\n`);
execFileSync(
  process.execPath,
  [
    join(REPO_ROOT, 'node_modules', '@bitnami', 'readme-generator-for-helm', 'bin', 'index.js'),
    '--values',
    join(CHART_DIR, 'values.yaml'),
    '--readme',
    join(CHART_DIR, 'README.md'),
  ],
  { stdio: 'inherit' },
);

const render = await helmWithValues(['template'], {}, ['--namespace', NAMESPACE, '--kube-version', '1.30.0']);
if (render.code !== 0) throw new Error(`helm template failed: ${render.stderr}`);
mkdirSync(dirname(CHART_GOLDEN), { recursive: true });
writeFileSync(CHART_GOLDEN, maskGenerated(render.stdout));
