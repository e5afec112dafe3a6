import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather-facts.js';
import type { FactExtractor } from '../../../src/facts/extractor.js';
import {
  heapGrowthHolders,
  SCAN_HEAP_GROWING_PERCENT,
  withScanHeapGrowth,
} from '../../../src/facts/scan-heap-growth.js';
import { openImageSource } from '../../../src/image/open-image-source.js';
import { buildImage, writeOciLayout } from '../../support/image-builder.js';
import { tempDir } from '../../support/temp-dir.js';

const ON = `--heap-growing-percent=${SCAN_HEAP_GROWING_PERCENT}`;
const OFF = '--heap-growing-percent=0';

function recorder(): { flags: string[]; setFlags: (flag: string) => void } {
  const flags: string[] = [];
  return { flags, setFlags: (flag) => flags.push(flag) };
}

describe('withScanHeapGrowth', () => {
  // One test leaving a scan holding the growth would make the next ones fail for the wrong reason.
  afterEach(() => expect(heapGrowthHolders()).toBe(0));

  it('raises the growth for the scan and gives V8 its own choice back after it', async () => {
    const { flags, setFlags } = recorder();
    const seen: string[][] = [];
    const result = await withScanHeapGrowth(
      async () => {
        seen.push([...flags]);
        return 42;
      },
      { execArgv: [], mainThread: true, setFlags },
    );
    expect(result).toBe(42);
    expect(seen).toEqual([[ON]]);
    expect(flags).toEqual([ON, OFF]);
    expect(heapGrowthHolders()).toBe(0);
  });

  it('sets it once for overlapping scans and lets go when the last one ends', async () => {
    const { flags, setFlags } = recorder();
    let releaseFirst!: () => void;
    const first = withScanHeapGrowth(() => new Promise<void>((resolve) => (releaseFirst = resolve)), {
      execArgv: [],
      mainThread: true,
      setFlags,
    });
    await withScanHeapGrowth(async () => expect(heapGrowthHolders()).toBe(2), {
      execArgv: [],
      mainThread: true,
      setFlags,
    });
    // The second scan ended while the first runs: the growth stays.
    expect(flags).toEqual([ON]);
    expect(heapGrowthHolders()).toBe(1);
    releaseFirst();
    await first;
    expect(flags).toEqual([ON, OFF]);
  });

  it('gives it back when the scan fails, and the failure reaches the caller', async () => {
    const { flags, setFlags } = recorder();
    const failure = new Error('registry down');
    await expect(
      withScanHeapGrowth(() => Promise.reject(failure), { execArgv: [], mainThread: true, setFlags }),
    ).rejects.toBe(failure);
    expect(flags).toEqual([ON, OFF]);
    expect(heapGrowthHolders()).toBe(0);
  });

  it('leaves a growth node was started with alone', async () => {
    for (const own of ['--heap-growing-percent=50', '--heap_growing_percent=50', '--heap-growing-percent']) {
      const { flags, setFlags } = recorder();
      await withScanHeapGrowth(async () => undefined, {
        execArgv: ['--enable-source-maps', own],
        mainThread: true,
        setFlags,
      });
      expect(flags, own).toEqual([]);
    }
    const { flags, setFlags } = recorder();
    await withScanHeapGrowth(async () => undefined, {
      execArgv: ['--heap-growing-percentile=5'],
      mainThread: true,
      setFlags,
    });
    expect(flags).toEqual([ON, OFF]);
  });

  it('scans on when V8 refuses the flag, and a refused reset hides neither result nor failure', async () => {
    const refuse = (): void => {
      throw new Error('flags are frozen');
    };
    await expect(
      withScanHeapGrowth(async () => 'facts', { execArgv: [], mainThread: true, setFlags: refuse }),
    ).resolves.toBe('facts');
    const failure = new Error('registry down');
    await expect(
      withScanHeapGrowth(() => Promise.reject(failure), { execArgv: [], mainThread: true, setFlags: refuse }),
    ).rejects.toBe(failure);
    // Set works, reset does not: the scan's own result still comes back.
    const flags: string[] = [];
    const resetRefused = (flag: string): void => {
      flags.push(flag);
      if (flag === OFF) throw new Error('flags are frozen');
    };
    await expect(
      withScanHeapGrowth(async () => 'facts', { execArgv: [], mainThread: true, setFlags: resetRefused }),
    ).resolves.toBe('facts');
    expect(flags).toEqual([ON, OFF]);
  });

  it('leaves the process alone from a worker thread (a thread sandbox shares the process)', async () => {
    const { flags, setFlags } = recorder();
    const result = await withScanHeapGrowth(async () => heapGrowthHolders(), {
      execArgv: [],
      mainThread: false,
      setFlags,
    });
    expect(result).toBe(0);
    expect(flags).toEqual([]);
  });

  it("gives back 0, which is V8's own default (its dynamic choice)", () => {
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(options).toMatch(
      /--heap-growing-percent \(.*\)\n\s*type: int\s+default: --heap-growing-percent=0\n/,
    );
  });

  it('is a flag this node knows: setting it prints nothing, where an unknown one complains', () => {
    const set = (flag: string) =>
      spawnSync(process.execPath, ['-e', `require('node:v8').setFlagsFromString(${JSON.stringify(flag)})`], {
        encoding: 'utf8',
      });
    for (const flag of [ON, OFF]) {
      const run = set(flag);
      expect(run.status, flag).toBe(0);
      expect(run.stderr, flag).toBe('');
    }
    // The check above can fail: V8 reports a flag it does not have on stderr.
    expect(set('--heap-growing-percentage=300').stderr).toContain('unrecognized flag');
  });

  it('is held while gatherFacts reads and assembles an image, and let go after', async () => {
    const dir = await tempDir();
    try {
      const image = await buildImage({
        layers: [{ compression: 'gzip', files: [{ path: 'etc/os-release', content: 'ID=alpine\n' }] }],
      });
      const layout = join(dir.path, 'layout');
      await writeOciLayout(layout, image);
      const held: number[] = [];
      const probe: FactExtractor = {
        id: 'probe',
        version: 1,
        wants: () => 'header',
        collect: () => {
          held.push(heapGrowthHolders());
          return { onEntry: () => undefined, finish: () => ({}) };
        },
        assemble: () => {
          held.push(heapGrowthHolders());
          return {};
        },
        checks: [],
        schema: {},
        findings: () => [],
      };
      const source = await openImageSource(`oci:${layout}`);
      try {
        await gatherFacts(await source.resolve(), { extractors: [probe] });
      } finally {
        await source.close();
      }
      expect(held).toEqual([1, 1]);
      expect(heapGrowthHolders()).toBe(0);

      // An aborted scan lets go too.
      const again = await openImageSource(`oci:${layout}`);
      try {
        const controller = new AbortController();
        controller.abort(new Error('deadline'));
        await expect(
          gatherFacts(await again.resolve(), { extractors: [probe], signal: controller.signal }),
        ).rejects.toThrow();
      } finally {
        await again.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
