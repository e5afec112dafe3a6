import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file a forked child or worker thread starts. Neither can load TypeScript on its own: compiled
 * code (`dist/`) starts `<name>.js` beside it; a source checkout starts `<name>.dev.mjs`, a shim that
 * registers tsx first. `compiled`: whether the caller itself runs compiled (its file ends in .js).
 */
export function runnableEntry(compiled: boolean, dir: string, name: string): string {
  const js = join(dir, `${name}.js`);
  if (compiled && existsSync(js)) return js;
  return join(dir, `${name}.dev.mjs`);
}
