import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDockerArchive } from './image-builder.js';
import { REPO_ROOT, runCli, type CliResult } from './run-cli.js';
import { buildSingleStageImage } from './seed-images.js';

/**
 * The one list of golden files: which image each scans in which format. The golden tests and
 * `npm run gen:goldens` (write-goldens.ts) both read it, so what is written is what is compared.
 */

/** The quick-start sample, checked in (`npm run fixtures:sample` rewrites it); relative to the repository root. */
export const SAMPLE_ARCHIVE = 'test/fixtures/images/sample.tar';

export const GOLDEN_DIR = join(REPO_ROOT, 'test/fixtures/golden');

interface GoldenInput {
  /** Returns the archive to scan, writing it under `dir` when it is built at test time. */
  prepare(dir: string): Promise<string>;
  /** How the archive path reads in the golden file: a temp dir differs run to run. */
  printedAs?: string;
}

export const GOLDEN_INPUTS = {
  sample: { prepare: () => Promise.resolve(SAMPLE_ARCHIVE) },
  'seed-single': {
    async prepare(dir: string): Promise<string> {
      const archive = join(dir, 'single.tar');
      await writeDockerArchive(archive, await buildSingleStageImage(), ['seed/single:1']);
      return archive;
    },
    printedAs: 'SINGLE.tar',
  },
} satisfies Record<string, GoldenInput>;

export interface Golden {
  /** The file name under test/fixtures/golden. */
  file: string;
  input: keyof typeof GOLDEN_INPUTS;
  format: 'table' | 'json' | 'html';
}

export const GOLDENS: readonly Golden[] = [
  { file: 'sample.table.golden', input: 'sample', format: 'table' },
  { file: 'sample.json.golden', input: 'sample', format: 'json' },
  { file: 'seed-single.table.golden', input: 'seed-single', format: 'table' },
  { file: 'seed-single.html.golden', input: 'seed-single', format: 'html' },
];

/** The list's entry for a golden file; throws for a file the list does not name. */
export function golden(file: string): Golden {
  const found = GOLDENS.find((entry) => entry.file === file);
  if (!found) throw new Error(`${file} is not in GOLDENS (test/support/goldens.ts)`);
  return found;
}

export function readGolden(entry: Golden): Promise<string> {
  return readFile(join(GOLDEN_DIR, entry.file), 'utf8');
}

/**
 * `pushgate scan` of `archive` as the golden file holds it: table is the default format, so it
 * passes no flag, and the archive path is replaced by how the golden spells it.
 */
export async function scanForGolden(entry: Golden, archive: string): Promise<CliResult> {
  const format = entry.format === 'table' ? [] : ['--format', entry.format];
  const result = await runCli(['scan', ...format, `docker-archive:${archive}`]);
  const printedAs: string | undefined = (GOLDEN_INPUTS[entry.input] as GoldenInput).printedAs;
  return printedAs === undefined
    ? result
    : { ...result, stdout: result.stdout.replaceAll(archive, printedAs) };
}
