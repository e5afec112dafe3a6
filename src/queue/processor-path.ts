import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnableEntry } from '../runnable-entry.js';

/**
 * The absolute path of a sandboxed processor in `workers/`. BullMQ needs an absolute path, and a
 * forked child or worker thread cannot load TypeScript on its own: compiled runs use
 * `dist/workers/<name>.js`; source runs use `workers/<name>.dev.mjs`, which registers tsx first.
 */
export function processorPath(name: string): string {
  const here = fileURLToPath(import.meta.url);
  // dist/src/queue/processor-path.js → dist/workers; src/queue/processor-path.ts → workers
  const root = join(dirname(here), '..', '..');
  return runnableEntry(here.endsWith('.js'), join(root, 'workers'), name);
}
