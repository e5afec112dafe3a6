import type { DbPackage } from './package-db.js';

const TAG_NAME = 1000;
const TAG_VERSION = 1001;
const TAG_RELEASE = 1002;
const TAG_EPOCH = 1003;
const TAG_ARCH = 1022;
const TAG_SOURCERPM = 1044;
const TAG_FILEDIGESTS = 1035;
const TAG_DIRINDEXES = 1116;
const TAG_BASENAMES = 1117;
const TAG_DIRNAMES = 1118;
const TAG_FILEDIGESTALGO = 5011;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own sanity limits on an exported header (lib/header.c `hdrchkTags`, `hdrchkData`). */
const MAX_TAGS = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

const PACKAGE_TAGS = new Set([TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH, TAG_ARCH, TAG_SOURCERPM]);
const FILE_TAGS = new Set([
  TAG_NAME,
  TAG_FILEDIGESTS,
  TAG_DIRINDEXES,
  TAG_BASENAMES,
  TAG_DIRNAMES,
  TAG_FILEDIGESTALGO,
]);

/** rpm's `PGPHASHALGO_*` numbers (rpmpgp.h) for the file digests we can compare. */
const DIGEST_ALGORITHMS = new Map<number, RpmDigestAlgorithm>([
  [1, 'md5'],
  [2, 'sha1'],
  [8, 'sha256'],
  [9, 'sha384'],
  [10, 'sha512'],
  [11, 'sha224'],
]);

export type RpmDigestAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

type TagValue = number[] | string[];

/**
 * Reads the wanted tags of one rpm header blob as rpm stores it in `rpmdb.sqlite`
 * (`headerExport`: int32 index count, int32 data length, 16-byte index entries {tag, type,
 * offset, count}, then the data store; all big-endian). INT32 tags become numbers, STRING,
 * STRING_ARRAY and I18NSTRING tags strings. Undefined for a blob that breaks the layout.
 */
function readTags(blob: Buffer, wanted: ReadonlySet<number>): Map<number, TagValue> | undefined {
  if (blob.length < 8) return undefined;
  const indexCount = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (indexCount === 0 || indexCount > MAX_TAGS || dataLength > MAX_DATA) return undefined;
  const dataStart = 8 + indexCount * 16;
  const dataEnd = dataStart + dataLength;
  if (dataEnd > blob.length) return undefined;
  const values = new Map<number, TagValue>();
  for (let i = 0; i < indexCount; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    if (!wanted.has(tag)) continue;
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readUInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);
    if (offset >= dataLength) continue;
    let start = dataStart + offset;
    if (type === TYPE_INT32) {
      if (start + 4 * count > dataEnd) continue;
      const numbers: number[] = [];
      for (let n = 0; n < count; n++) numbers.push(blob.readInt32BE(start + 4 * n));
      values.set(tag, numbers);
    } else if (type === TYPE_STRING || type === TYPE_STRING_ARRAY || type === TYPE_I18NSTRING) {
      const strings: string[] = [];
      const wantedCount = type === TYPE_STRING_ARRAY ? count : 1;
      for (let n = 0; n < wantedCount; n++) {
        const end = blob.indexOf(0, start);
        if (end === -1 || end >= dataEnd) break;
        strings.push(blob.toString('utf8', start, end));
        start = end + 1;
      }
      if (strings.length === wantedCount) values.set(tag, strings);
    }
  }
  return values;
}

function first(values: Map<number, TagValue>, tag: number): string | number | undefined {
  return values.get(tag)?.[0];
}

/**
 * Reads name, version, release, epoch, arch and source RPM from one rpm header blob. Returns
 * `undefined` for a malformed blob or rpm's `gpg-pubkey` pseudo-packages.
 */
export function parseRpmHeader(blob: Buffer): DbPackage | undefined {
  const values = readTags(blob, PACKAGE_TAGS);
  if (values === undefined) return undefined;
  const name = first(values, TAG_NAME);
  const version = first(values, TAG_VERSION);
  if (typeof name !== 'string' || typeof version !== 'string' || name === '' || name === 'gpg-pubkey') {
    return undefined;
  }
  const release = first(values, TAG_RELEASE);
  const epoch = first(values, TAG_EPOCH);
  const arch = first(values, TAG_ARCH);
  const sourceRpm = first(values, TAG_SOURCERPM);
  const source =
    typeof sourceRpm === 'string' ? /^(.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$/.exec(sourceRpm)?.[1] : undefined;
  return {
    name,
    version: `${typeof epoch === 'number' && epoch > 0 ? `${epoch}:` : ''}${version}${typeof release === 'string' ? `-${release}` : ''}`,
    ...(source ? { source } : {}),
    ...(typeof arch === 'string' && arch !== '' ? { architecture: arch } : {}),
  };
}

export interface RpmFileDigests {
  name: string;
  algorithm: RpmDigestAlgorithm;
  /** Regular files with a digest: path without the leading slash, lowercase hex digest. */
  files: Array<{ path: string; digest: string }>;
}

/**
 * The files one rpm header lists with their digests (`DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`,
 * `FILEDIGESTS[i]`; directories, symlinks and ghosts have an empty digest and are left out).
 * `FILEDIGESTALGO` absent means MD5, as rpm reads it. Undefined for a malformed blob, a header
 * without files, or an algorithm we do not know.
 */
export function parseRpmFileDigests(blob: Buffer): RpmFileDigests | undefined {
  const values = readTags(blob, FILE_TAGS);
  if (values === undefined) return undefined;
  const name = first(values, TAG_NAME);
  const basenames = values.get(TAG_BASENAMES) as string[] | undefined;
  const dirnames = values.get(TAG_DIRNAMES) as string[] | undefined;
  const dirIndexes = values.get(TAG_DIRINDEXES) as number[] | undefined;
  const digests = values.get(TAG_FILEDIGESTS) as string[] | undefined;
  if (typeof name !== 'string' || name === '' || !basenames || !dirnames || !dirIndexes || !digests) {
    return undefined;
  }
  if (dirIndexes.length !== basenames.length || digests.length !== basenames.length) return undefined;
  const algo = first(values, TAG_FILEDIGESTALGO);
  const algorithm = DIGEST_ALGORITHMS.get(typeof algo === 'number' ? algo : 1);
  if (algorithm === undefined) return undefined;
  const files: RpmFileDigests['files'] = [];
  basenames.forEach((base, i) => {
    const dir = dirnames[dirIndexes[i]];
    const digest = digests[i];
    if (dir === undefined || digest === '' || !/^[0-9a-f]+$/i.test(digest)) return;
    files.push({ path: `${dir}${base}`.replace(/^\/+/, ''), digest: digest.toLowerCase() });
  });
  return { name, algorithm, files };
}
