import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PlannedLayer } from './plan-layers.js';

/** A gzip layer blob on disk with the digests a manifest and config need. */
export interface BuiltLayer {
  file: string;
  /** sha256 of the gzip blob. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  tarSize: number;
  entries: number;
  root: string;
  /** True when the blob came from the cache of an earlier run. */
  cached: boolean;
  /** Warnings tar printed (unreadable files and the like). */
  tarWarnings: number;
}

type Meta = Omit<BuiltLayer, 'file' | 'cached'>;

/** Counts and hashes what flows through. */
function hashingTap(): { stream: Transform; result: () => { digest: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size }) };
}

function waitExit(child: ReturnType<typeof spawn>, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${what}: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (signal) reject(new Error(`${what}: killed by ${signal}`));
      else resolve(code ?? 0);
    });
  });
}

/**
 * Builds (or reuses) one layer: `tar | gzip -6 -n` streamed to a file, hashing the tar (diffId) and
 * the gzip blob (digest) on the way, never holding a layer in memory.
 */
export async function buildLayer(
  layer: PlannedLayer,
  workDir: string,
  gzipLevel: number,
): Promise<BuiltLayer> {
  const dir = join(workDir, 'layers');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${layer.key}.tar.gz`);
  const metaFile = join(dir, `${layer.key}.json`);
  try {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as Meta;
    return { ...meta, file, cached: true };
  } catch {
    // Not built yet (or a run was interrupted before the metadata was written).
  }

  const listFile = join(dir, `${layer.key}.list`);
  await writeFile(listFile, layer.entries.map((e) => `${e.path}\0`).join(''));
  const partial = `${file}.partial`;
  const tar = spawn(
    'tar',
    [
      '-C',
      '/',
      '--format=pax',
      // Go's archive/tar (docker, buildkit) writes no atime/ctime records; neither do we.
      '--pax-option=delete=atime,delete=ctime',
      '--ignore-failed-read',
      '--no-recursion',
      '--null',
      '-cf',
      '-',
      '-T',
      listFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const gzip = spawn('gzip', [`-${gzipLevel}`, '-n', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let tarStderr = '';
  tar.stderr!.on('data', (c: Buffer) => (tarStderr += c.toString()));
  let gzipStderr = '';
  gzip.stderr!.on('data', (c: Buffer) => (gzipStderr += c.toString()));
  const tarExit = waitExit(tar, 'tar');
  const gzipExit = waitExit(gzip, 'gzip');
  const tarTap = hashingTap();
  const gzTap = hashingTap();
  await Promise.all([
    pipeline(tar.stdout!, tarTap.stream, gzip.stdin!),
    pipeline(gzip.stdout!, gzTap.stream, createWriteStream(partial)),
  ]);
  const [tarCode, gzipCode] = await Promise.all([tarExit, gzipExit]);
  await rm(listFile, { force: true });
  // tar exits 1 when a file changed while it was read: the archive is still complete and valid.
  if (tarCode > 1)
    throw new Error(`tar for layer ${layer.key} (${layer.root}) exited ${tarCode}: ${tarStderr}`);
  if (gzipCode !== 0) throw new Error(`gzip for layer ${layer.key} exited ${gzipCode}: ${gzipStderr}`);
  const tarResult = tarTap.result();
  const gzResult = gzTap.result();
  const meta: Meta = {
    digest: gzResult.digest,
    size: gzResult.size,
    diffId: tarResult.digest,
    tarSize: tarResult.size,
    entries: layer.entries.length,
    root: layer.root,
    tarWarnings: tarStderr.split('\n').filter((line) => line.trim() !== '').length,
  };
  await rename(partial, file);
  await writeFile(metaFile, JSON.stringify(meta, null, 2));
  return { ...meta, file, cached: false };
}
