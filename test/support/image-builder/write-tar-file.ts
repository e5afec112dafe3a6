import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import { pack } from 'tar-stream';

import { FIXED_DATE } from './blob.js';

export type ArchiveEntry = { name: string; data: Buffer } | { name: string; dir: true };

/** Streams `entries` as a tar to `file`, each entry written before the next is produced. */
export async function writeTarFile(file: string, entries: Iterable<ArchiveEntry>): Promise<void> {
  const tar = pack();
  const written = pipeline(tar, createWriteStream(file));
  try {
    for (const entry of entries) {
      const base = { name: entry.name, mtime: FIXED_DATE, uid: 0, gid: 0 };
      await new Promise<void>((resolve, reject) => {
        const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
        if ('dir' in entry) tar.entry({ ...base, type: 'directory', mode: 0o755 }, cb);
        else tar.entry({ ...base, type: 'file', mode: 0o644, size: entry.data.length }, entry.data, cb);
      });
    }
    tar.finalize();
  } catch (err) {
    tar.destroy(err instanceof Error ? err : new Error(String(err)));
  }
  await written;
}
