import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const TIME = '/usr/bin/time';

/** Runs `gzip -dc file > /dev/null`; returns its user+system CPU time when /usr/bin/time exists. */
function gunzipToNull(file: string, slot: number): Promise<number | undefined> {
  const timeFile = join(tmpdir(), `pushgate-bench-gzip-${process.pid}-${slot}.txt`);
  const useTime = existsSync(TIME);
  const [cmd, args] = useTime
    ? [TIME, ['-f', '%U %S', '-o', timeFile, 'gzip', '-dc', file]]
    : ['gzip', ['-dc', file]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (err) => reject(new Error(`gzip -dc ${file}: ${err.message}`)));
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`gzip -dc ${file} exited ${code}: ${stderr}`));
        return;
      }
      if (!useTime) {
        resolve(undefined);
        return;
      }
      readFile(timeFile, 'utf8')
        .then(async (text) => {
          await rm(timeFile, { force: true });
          const [user, system] = text.trim().split('\n').pop()!.split(' ').map(Number);
          resolve(Number.isFinite(user + system) ? (user + system) * 1000 : undefined);
        })
        .catch(() => resolve(undefined));
    });
  });
}

export interface GzipBaseline {
  /** Wall time for all blobs. */
  ms: number;
  /** Summed user+system CPU time of the gzip processes, when /usr/bin/time exists. */
  cpuMs?: number;
}

/**
 * `gzip -dc BLOB > /dev/null` over all blobs, `parallel` at a time (1 = one after the other). The
 * baseline the scan is compared with: it only inflates, the scan also hashes, parses tar headers
 * and runs extractors.
 */
export async function gzipBaseline(files: string[], parallel: number): Promise<GzipBaseline> {
  const started = performance.now();
  let next = 0;
  let cpuMs: number | undefined = 0;
  const worker = async (slot: number): Promise<void> => {
    while (next < files.length) {
      const cpu = await gunzipToNull(files[next++], slot);
      cpuMs = cpu === undefined || cpuMs === undefined ? undefined : cpuMs + cpu;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, (_, slot) => worker(slot)));
  return { ms: performance.now() - started, ...(cpuMs === undefined ? {} : { cpuMs }) };
}
