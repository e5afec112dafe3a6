// `npm run gen:goldens`: rewrites every golden file in test/fixtures/golden from the list the
// golden tests compare against (goldens.ts). Review the diff: a golden changes only on purpose.
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GOLDEN_DIR, GOLDEN_INPUTS, GOLDENS, scanForGolden } from './goldens.js';
import { REPO_ROOT } from './run-cli.js';
import { tempDir } from './temp-dir.js';

const dir = await tempDir('pushgate-goldens-');
try {
  const archives = new Map<string, string>();
  for (const entry of GOLDENS) {
    let archive = archives.get(entry.input);
    if (archive === undefined) {
      archive = await GOLDEN_INPUTS[entry.input].prepare(dir.path);
      archives.set(entry.input, archive);
    }
    const result = await scanForGolden(entry, archive);
    // A golden of a failed scan would make the test compare against an error message.
    if (result.code !== 0 || result.stderr !== '')
      throw new Error(`pushgate scan for ${entry.file} exited ${result.code}: ${result.stderr}`);
    const target = join(GOLDEN_DIR, entry.file);
    await writeFile(target, result.stdout);
    process.stdout.write(`wrote ${relative(REPO_ROOT, target)}\n`);
  }
} finally {
  await dir.remove();
}
