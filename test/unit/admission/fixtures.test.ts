import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADMISSION_FIXTURE_DIR,
  buildAdmissionFixtures,
  fixtureText,
} from '../../support/admission-fixtures.js';
import { kubectl } from '../../support/kubectl.js';
import { reviewNames } from './fixture.js';

// The committed fixtures are what real kubectl 1.35 and the hand-written objects make today:
// regenerate with `npx tsx test/support/write-admission-fixtures.ts`.
describe('admission fixtures', () => {
  it('run a real kubectl 1.35 offline', async () => {
    const version = JSON.parse(await kubectl(['version', '--client', '-o', 'json'])) as {
      clientVersion: { major: string; minor: string };
    };
    expect(version.clientVersion).toMatchObject({ major: '1', minor: '35' });
  });

  it('are what the generator writes (kubectl output included)', async () => {
    const built = await buildAdmissionFixtures();
    expect(reviewNames()).toEqual([...built.keys()].sort());
    for (const [name, review] of built) {
      const committed = await readFile(join(ADMISSION_FIXTURE_DIR, `${name}.json`), 'utf8');
      expect(committed, name).toBe(await fixtureText(review));
    }
  });
});
