import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerArchive } from '../../support/image-builder.js';
import { buildSampleImage } from '../../support/sample-image.js';
import { tempDir } from '../../support/temp-dir.js';

const committed = fileURLToPath(new URL('../../fixtures/images/sample.tar', import.meta.url));

describe('the quick-start sample archive', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('is what `npm run fixtures:sample` writes from test/support/sample-image.ts', async () => {
    const fresh = join(dir.path, 'sample.tar');
    await writeDockerArchive(fresh, await buildSampleImage(), ['pushgate/sample:1.0']);
    const sha = async (file: string): Promise<string> =>
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    expect(await sha(committed)).toBe(await sha(fresh));
  });
});
