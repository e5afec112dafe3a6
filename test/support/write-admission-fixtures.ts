// `npx tsx test/support/write-admission-fixtures.ts`: rewrites test/fixtures/admission from
// admission-fixtures.ts (real kubectl for Deployment, Job and CronJob). Review the diff; the
// fixtures test fails until the committed files match what this writes.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMISSION_FIXTURE_DIR, buildAdmissionFixtures, fixtureText } from './admission-fixtures.js';

const fixtures = await buildAdmissionFixtures();
await mkdir(ADMISSION_FIXTURE_DIR, { recursive: true });
for (const file of await readdir(ADMISSION_FIXTURE_DIR)) {
  if (file.endsWith('.json') && !fixtures.has(file.slice(0, -'.json'.length))) {
    await rm(join(ADMISSION_FIXTURE_DIR, file));
    process.stdout.write(`removed ${file}\n`);
  }
}
for (const [name, review] of fixtures) {
  await writeFile(join(ADMISSION_FIXTURE_DIR, `${name}.json`), await fixtureText(review));
  process.stdout.write(`wrote test/fixtures/admission/${name}.json\n`);
}
