import { pack, type Header } from 'tar-stream';

type TarHeader = Partial<Header> & { name: string };

import { FIXED_DATE } from './blob.js';
import type { FileSpec } from './types.js';

/** Docker and BuildKit never write a leading `/`; anything else stays as given. */
function entryName(path: string): string {
  return path.replace(/^\/+/, '');
}

function splitParent(path: string): { dir: string; name: string } {
  const trimmed = entryName(path).replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash === -1
    ? { dir: '', name: trimmed }
    : { dir: trimmed.slice(0, slash + 1), name: trimmed.slice(slash + 1) };
}

function headerFor(spec: FileSpec, earlier: Map<string, TarHeader>): { header: TarHeader; body: Buffer } {
  const base = { uid: 0, gid: 0, mtime: FIXED_DATE };
  switch (spec.type) {
    case undefined:
    case 'file': {
      const body = typeof spec.content === 'string' ? Buffer.from(spec.content) : spec.content;
      return {
        header: {
          ...base,
          name: entryName(spec.path),
          type: 'file',
          mode: spec.mode ?? 0o644,
          uid: spec.uid ?? 0,
          gid: spec.gid ?? 0,
          mtime: spec.mtime ?? FIXED_DATE,
          size: body.length,
        },
        body,
      };
    }
    case 'dir': {
      // Directories carry a trailing slash in Docker-written tars, also when the name goes to PAX.
      const name = entryName(spec.path).replace(/\/*$/, '/');
      return {
        header: {
          ...base,
          name,
          type: 'directory',
          mode: spec.mode ?? 0o755,
          uid: spec.uid ?? 0,
          gid: spec.gid ?? 0,
        },
        body: Buffer.alloc(0),
      };
    }
    case 'symlink':
      return {
        header: { ...base, name: entryName(spec.path), type: 'symlink', linkname: spec.target, mode: 0o777 },
        body: Buffer.alloc(0),
      };
    case 'hardlink': {
      // tar writers give a hard link its target's metadata, and `docker load` applies the link
      // header's mode and owner to the shared inode, so a default here would change the target.
      const target = earlier.get(entryName(spec.target));
      return {
        header: {
          ...base,
          name: entryName(spec.path),
          type: 'link',
          linkname: entryName(spec.target),
          mode: target?.mode ?? 0o644,
          uid: target?.uid ?? 0,
          gid: target?.gid ?? 0,
          mtime: target?.mtime ?? FIXED_DATE,
        },
        body: Buffer.alloc(0),
      };
    }
    case 'whiteout': {
      const { dir, name } = splitParent(spec.path);
      return {
        header: { ...base, name: `${dir}.wh.${name}`, type: 'file', mode: 0o644, size: 0 },
        body: Buffer.alloc(0),
      };
    }
    case 'opaque': {
      const dir = entryName(spec.path).replace(/\/*$/, '/');
      return {
        header: {
          ...base,
          name: `${dir === '/' ? '' : dir}.wh..wh..opq`,
          type: 'file',
          mode: 0o644,
          size: 0,
        },
        body: Buffer.alloc(0),
      };
    }
  }
}

/**
 * The uncompressed layer tar for `files`, in the order given. Names that do not fit ustar
 * (over 100 bytes without a usable prefix split, over 255 bytes, non-ASCII) go into PAX headers.
 */
export async function tarLayer(files: FileSpec[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    tar.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    tar.on('end', () => resolve(Buffer.concat(chunks)));
    tar.on('error', reject);
  });
  const earlier = new Map<string, TarHeader>();
  for (const spec of files) {
    const { header, body } = headerFor(spec, earlier);
    earlier.set(header.name, header);
    await new Promise<void>((resolve, reject) => {
      tar.entry(header, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  tar.finalize();
  return done;
}
