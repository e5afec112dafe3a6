import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** YAML files under `dir`, sorted; hidden entries are skipped and directory symlinks are not followed. */
export async function findYamlFiles(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await findYamlFiles(full)));
    else if (/\.ya?ml$/i.test(entry.name) && (entry.isFile() || entry.isSymbolicLink())) files.push(full);
  }
  return files;
}
