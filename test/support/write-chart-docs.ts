// `npm run gen:chart`: writes helm/pushgate/values.schema.json and the parameter tables of
// helm/pushgate/README.md (from the `## @param` lines of values.yaml). A test fails when either is
// stale.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
