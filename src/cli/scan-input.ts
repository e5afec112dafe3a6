import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PushgateError } from '../errors.js';
import { TarIndex } from '../image/tar-index.js';

const PREFIXES = ['docker-archive:', 'oci:', 'docker://'];

/** gzip, zstd, bzip2 and xz magic numbers: a compressed save must be decompressed first. */
const COMPRESSED: Array<{ magic: number[]; name: string; undo: string }> = [
  { magic: [0x1f, 0x8b], name: 'gzip', undo: 'gunzip -k' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd', undo: 'zstd -d' },
  { magic: [0x42, 0x5a, 0x68], name: 'bzip2', undo: 'bunzip2 -k' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz', undo: 'unxz -k' },
];

const WHAT_TO_WRITE =
  'scan reads `docker save IMAGE -o FILE.tar` (docker-archive:FILE.tar) or an OCI layout ' +
  '(oci:DIR, or oci:FILE.tar from `skopeo copy … oci-archive:FILE.tar`)';

/** Looks like a file the user meant, not a registry name: a path or an archive extension. */
function looksLikePath(text: string): boolean {
  return /^(\.{0,2}\/|~)/.test(text) || /\.(tar|tgz|tar\.(gz|zst|xz|bz2))$/i.test(text);
}

async function compression(path: string): Promise<(typeof COMPRESSED)[number] | undefined> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return COMPRESSED.find(
      (c) => bytesRead >= c.magic.length && c.magic.every((byte, i) => head[i] === byte),
    );
  } finally {
    await handle.close();
  }
}

/**
 * `docker-archive:PATH` or `oci:PATH` for an image file or layout directory, by what it holds:
 * `manifest.json` is a `docker save` archive (Docker ≥ 25 writes an OCI layout beside it; the
 * manifest gives the RepoTags), `oci-layout` with `index.json` an OCI layout. Anything else is an
 * error that says what to write instead.
 */
export async function sniffImageFile(path: string): Promise<string> {
  let info;
  try {
    info = statSync(path);
  } catch {
    throw new PushgateError('ARCHIVE_INVALID', `${path}: no such file or directory`);
  }
  if (info.isDirectory()) {
    if (existsSync(join(path, 'oci-layout'))) return `oci:${path}`;
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${path} is a directory without an oci-layout file: not an OCI layout; ${WHAT_TO_WRITE}`,
    );
  }
  const compressed = await compression(path);
  if (compressed) {
    const plain = path.replace(/\.(gz|tgz|zst|xz|bz2)$/i, (ext) => (ext === '.tgz' ? '.tar' : ''));
    const target = plain === path ? `${path}.tar` : plain;
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${path} is ${compressed.name}-compressed; scan reads uncompressed tars: run \`${compressed.undo} ${path}\` ` +
        `and scan ${target}`,
    );
  }
  let index: TarIndex;
  try {
    index = await TarIndex.open(path);
  } catch (err) {
    throw new PushgateError(
      'ARCHIVE_INVALID',
      `${path} is not a tar archive (${(err as Error).message}); ${WHAT_TO_WRITE}`,
      { cause: err },
    );
  }
  if (index.get('manifest.json')) return `docker-archive:${path}`;
  if (index.get('oci-layout') && index.get('index.json')) return `oci:${path}`;
  throw new PushgateError(
    'ARCHIVE_INVALID',
    `${path} is a tar without manifest.json (docker save) or oci-layout and index.json (OCI layout); ${WHAT_TO_WRITE}`,
  );
}

/**
 * What `scan` reads: `--input FILE` (Trivy's spelling) or the reference. A reference that names an
 * existing file (or a directory holding `oci-layout`) is read as that file, so `scan app.tar`
 * works; one that looks like a path but does not exist is an error rather than a registry pull
 * of `docker.io/library/app.tar`. Prefixed references and registry names pass through unchanged.
 */
export async function resolveScanInput(
  reference: string | undefined,
  input: string | undefined,
): Promise<string> {
  if (reference !== undefined && input !== undefined)
    throw new PushgateError(
      'USAGE',
      `give either an image reference or --input FILE, not both ("${reference}" and --input ${input})`,
    );
  if (input !== undefined) return sniffImageFile(input);
  if (reference === undefined || reference === '')
    throw new PushgateError('USAGE', 'scan needs an image reference or --input FILE');
  if (PREFIXES.some((prefix) => reference.startsWith(prefix))) return reference;
  let info;
  try {
    info = statSync(reference);
  } catch {
    if (looksLikePath(reference))
      throw new PushgateError(
        'ARCHIVE_INVALID',
        `${reference}: no such file or directory (a registry image is HOST/REPO:TAG)`,
      );
    return reference;
  }
  if (info.isFile() || existsSync(join(reference, 'oci-layout'))) return sniffImageFile(reference);
  return reference;
}
