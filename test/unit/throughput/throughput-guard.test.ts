import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

import { ThroughputGuard } from '../../../src/throughput/throughput-guard.js';
import { ThroughputWatch } from '../../../src/throughput/throughput-watch.js';

const LIMITS = { minBytesPerSecond: 1000, windowMs: 200 };
const stalled = (received: number): Error =>
  Object.assign(new Error(`stalled at ${received}`), { code: 'STALL' });

/** `count` chunks of `size` bytes, `pauseMs` apart. */
function source(count: number, size: number, pauseMs: number): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < count; i++) {
        yield Buffer.alloc(size, 1);
        await sleep(pauseMs);
      }
    })(),
  );
}

function sink(delayMs = 0): Writable & { bytes: number } {
  const writable = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      writable.bytes += chunk.length;
      if (delayMs > 0) setTimeout(callback, delayMs);
      else callback();
    },
  }) as Writable & { bytes: number };
  writable.bytes = 0;
  return writable;
}

describe('ThroughputGuard', () => {
  it('fails a dribble that an idle timeout would never catch: a byte every 20 ms', async () => {
    const started = Date.now();
    await expect(
      pipeline(source(1000, 1, 20), new ThroughputGuard(LIMITS, stalled), sink()),
    ).rejects.toMatchObject({
      code: 'STALL',
    });
    // One window (200 ms) decides; the dribble alone would have taken 20 s.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails a sender that sends nothing at all (headers, then silence)', async () => {
    const silent = new Readable({ read() {} });
    const guard = new ThroughputGuard(LIMITS, stalled);
    await expect(pipeline(silent, guard, sink())).rejects.toThrow('stalled at 0');
  });

  it('passes a body that keeps above the floor, however long it takes', async () => {
    const out = sink();
    await pipeline(source(20, 1000, 20), new ThroughputGuard(LIMITS, stalled), out);
    expect(out.bytes).toBe(20_000);
  });

  it('does not blame the sender while the reader holds the body back', async () => {
    // The reader takes 300 ms per chunk (longer than a window); the sender is fast.
    const out = sink(300);
    await pipeline(source(4, 64 * 1024, 0), new ThroughputGuard(LIMITS, stalled), out);
    expect(out.bytes).toBe(4 * 64 * 1024);
  });

  it('is off at 0 bytes/s', async () => {
    const out = sink();
    await pipeline(
      source(15, 1, 30),
      new ThroughputGuard({ minBytesPerSecond: 0, windowMs: 100 }, stalled),
      out,
    );
    expect(out.bytes).toBe(15);
  });
});

describe('ThroughputWatch', () => {
  it('reports a stall once, with the bytes of the short window', async () => {
    const stalls: number[] = [];
    const watch = new ThroughputWatch({ minBytesPerSecond: 1000, windowMs: 100 }, (n) => stalls.push(n));
    watch.start();
    watch.add(150);
    await sleep(130);
    watch.add(20);
    await sleep(250);
    watch.stop();
    expect(stalls).toEqual([20]);
  });

  it('does not count paused time', async () => {
    const stalls: number[] = [];
    const watch = new ThroughputWatch({ minBytesPerSecond: 1000, windowMs: 100 }, (n) => stalls.push(n));
    watch.start();
    watch.pause();
    await sleep(250);
    watch.resume();
    watch.add(200);
    await sleep(130);
    watch.stop();
    expect(stalls).toEqual([]);
  });
});
