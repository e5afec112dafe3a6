import { describe, expect, it } from 'vitest';

import { isPushgateError } from '../../../src/errors.js';
import { READ_NOTHING, readTar, type TarVisitor } from '../../../src/inspect/tar-reader.js';
import type { EntryConsumer, LayerEntry, Want } from '../../../src/inspect/types.js';
import { walkLayer } from '../../../src/inspect/walk-layer.js';
import { compressTar, layerOf, MEDIA_TYPE, streamOf } from '../../fixtures/layers/layer-blobs.js';
import { failOnUnhandledErrors } from '../../support/fail-on-unhandled-errors.js';
import { tarLayer } from '../../support/image-builder.js';

failOnUnhandledErrors();

type Event =
  | { kind: 'chunk'; path: string; bytes: Buffer; length: number }
  | { kind: 'entry'; path: string; content?: Buffer };

/** A consumer that logs every call; `copy` keeps the slices (they are only valid during the call). */
function streamer(want: (entry: LayerEntry) => Want, id = 'stream') {
  const events: Event[] = [];
  const consumer: EntryConsumer = {
    id,
    wants: want,
    onChunk(entry, chunk) {
      events.push({ kind: 'chunk', path: entry.path, bytes: Buffer.from(chunk), length: chunk.length });
    },
    onEntry(entry, content) {
      events.push({ kind: 'entry', path: entry.path, ...(content ? { content: Buffer.from(content) } : {}) });
    },
  };
  return { consumer, events };
}

function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * seed + (i >> 8)) % 251;
  return out;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isPushgateError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected the walk to fail');
}

describe('walkLayer streams', () => {
  it('hands a streaming consumer every slice in order, past maxContentBytesPerFile, then onEntry without content', async () => {
    const big = pattern(300_000, 7);
    const small = pattern(1000, 3);
    const tar = await tarLayer([
      { path: 'big', content: big },
      { path: 'dir', type: 'dir' },
      { path: 'empty', content: '' },
      { path: 'small', content: small },
      { path: 'link', type: 'symlink', target: 'big' },
    ]);
    const s = streamer((e) => (e.type === 'file' ? { stream: true } : 'header'));
    await walkLayer(
      streamOf(compressTar(tar, 'gzip'), 4096),
      layerOf(compressTar(tar, 'gzip'), MEDIA_TYPE.gzip).layer,
      [s.consumer],
      {
        limits: { maxContentBytesPerFile: 10_000 },
      },
    );
    const bigChunks = s.events.filter((e) => e.kind === 'chunk' && e.path === 'big') as Array<
      Extract<Event, { kind: 'chunk' }>
    >;
    expect(bigChunks.length).toBeGreaterThan(0);
    expect(Buffer.concat(bigChunks.map((c) => c.bytes))).toEqual(big);
    // Order: every slice of a file, then its onEntry (without content), then the next entry.
    const order = s.events.map((e) => `${e.kind}:${e.path}`);
    const firstEntry = order.indexOf('entry:big');
    expect(order.slice(0, firstEntry).every((e) => e === 'chunk:big')).toBe(true);
    expect(order.slice(firstEntry)).toEqual([
      'entry:big',
      'entry:dir',
      'entry:empty',
      ...order.slice(firstEntry + 3, order.indexOf('entry:small')).map(() => 'chunk:small'),
      'entry:small',
      'entry:link',
    ]);
    expect(s.events.every((e) => e.kind === 'chunk' || e.content === undefined)).toBe(true);
    const smallChunks = s.events.filter((e) => e.kind === 'chunk' && e.path === 'small') as Array<
      Extract<Event, { kind: 'chunk' }>
    >;
    expect(Buffer.concat(smallChunks.map((c) => c.bytes))).toEqual(small);
  });

  it('gives a prefix consumer its prefix and a streaming consumer the whole file, same entry', async () => {
    const big = pattern(150_000, 11);
    const tar = await tarLayer([{ path: 'f', content: big }]);
    const s = streamer(() => ({ stream: true }));
    const prefix: Array<Buffer | undefined> = [];
    const p: EntryConsumer = {
      id: 'prefix',
      wants: () => ({ content: 100 }),
      onEntry: (_e, content) => void prefix.push(content && Buffer.from(content)),
    };
    const test = layerOf(tar, MEDIA_TYPE.none);
    await walkLayer(streamOf(test.data, 1000), test.layer, [p, s.consumer]);
    expect(prefix).toEqual([big.subarray(0, 100)]);
    const chunks = s.events.filter((e) => e.kind === 'chunk') as Array<Extract<Event, { kind: 'chunk' }>>;
    expect(Buffer.concat(chunks.map((c) => c.bytes))).toEqual(big);
  });

  it('refuses a stream want from a consumer without onChunk, and wraps an onChunk failure', async () => {
    const tar = await tarLayer([{ path: 'etc/f', content: 'data' }]);
    const test = layerOf(tar, MEDIA_TYPE.none);
    const noChunk: EntryConsumer = {
      id: 'nochunk',
      wants: () => ({ stream: true }),
      onEntry: () => undefined,
    };
    const a = await failure(walkLayer(streamOf(test.data), test.layer, [noChunk]));
    expect(a.code).toBe('INTERNAL');
    expect(a.message).toContain('nochunk');
    const throwing: EntryConsumer = {
      id: 'thrower',
      wants: () => ({ stream: true }),
      onChunk: () => {
        throw new Error('boom');
      },
      onEntry: () => undefined,
    };
    const b = await failure(walkLayer(streamOf(test.data), test.layer, [throwing]));
    expect(b.message).toContain('consumer thrower failed on "etc/f"');
  });
});

/** `tar` in fresh chunks of `size` bytes, each chunk's memory added to `sources`. */
async function* chunksOf(tar: Buffer, size: number, sources: Set<ArrayBufferLike>): AsyncIterable<Buffer> {
  for (let i = 0; i < tar.length; i += size) {
    // Unpooled, so a copy could not share memory with its source by chance.
    const chunk = Buffer.alloc(Math.min(size, tar.length - i));
    tar.copy(chunk, 0, i, i + chunk.length);
    sources.add(chunk.buffer);
    yield chunk;
  }
}

/** A visitor that ignores what `parts` does not handle. */
function visitorOf(parts: Pick<TarVisitor, 'onHeader'> & Partial<TarVisitor>): TarVisitor {
  return {
    onBytes: () => undefined,
    onData: () => undefined,
    onEntry: () => undefined,
    warn: () => undefined,
    ...parts,
  };
}

describe('readTar data slices', () => {
  it('calls onData only for entries asked for as a stream, with views of the source chunks', async () => {
    const tar = await tarLayer([
      { path: 'a', content: pattern(5000, 5) },
      { path: 'b', content: pattern(7000, 9) },
    ]);
    const slices: Array<{ name: string; length: number; view: boolean }> = [];
    const sources = new Set<ArrayBufferLike>();
    let name = '';
    const visitor = visitorOf({
      onHeader(header) {
        name = header.name;
        return header.name === 'b' ? { capture: 10, stream: true } : READ_NOTHING;
      },
      onData: (slice) => void slices.push({ name, length: slice.length, view: sources.has(slice.buffer) }),
    });
    await readTar(chunksOf(tar, 999, sources), visitor, 1 << 20, 'test');
    expect(new Set(slices.map((s) => s.name))).toEqual(new Set(['b']));
    expect(slices.reduce((n, s) => n + s.length, 0)).toBe(7000);
    // Views of the source chunks, not copies.
    expect(slices.every((s) => s.view && s.length <= 999)).toBe(true);
  });

  it('hands a captured prefix that lies in one chunk as a view of it, and copies one that spans chunks', async () => {
    const files = [
      { path: 'small', content: pattern(300, 3) },
      { path: 'spans', content: pattern(6000, 4) },
      { path: 'capped', content: pattern(3000, 6) },
      // Its first 100 bytes lie in one chunk, its data runs on over two more.
      { path: 'long', content: pattern(9000, 8) },
    ];
    const tar = await tarLayer(files);
    const got = new Map<string, { content: Buffer; view: boolean }>();
    const sources = new Set<ArrayBufferLike>();
    let name = '';
    const visitor = visitorOf({
      onHeader(header) {
        name = header.name;
        return { capture: header.name === 'capped' || header.name === 'long' ? 100 : 1 << 20, stream: false };
      },
      onEntry: (content) => {
        if (content !== undefined) got.set(name, { content, view: sources.has(content.buffer) });
      },
    });
    await readTar(chunksOf(tar, 4096, sources), visitor, 1 << 20, 'test');
    expect(got.get('small')).toEqual({ content: files[0].content, view: true });
    expect(got.get('spans')).toEqual({ content: files[1].content, view: false });
    expect(got.get('capped')?.content).toEqual(files[2].content.subarray(0, 100));
    // A view taken chunks before its entry ended is intact when handed over.
    expect(got.get('long')).toEqual({ content: files[3].content.subarray(0, 100), view: true });
  });
});
