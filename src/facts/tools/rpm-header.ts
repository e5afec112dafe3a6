import type { DbPackage } from './package-db.js';

const TAG_NAME = 1000;
const TAG_VERSION = 1001;
const TAG_RELEASE = 1002;
const TAG_EPOCH = 1003;
const TAG_ARCH = 1022;
const TAG_SOURCERPM = 1044;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own sanity limits on an exported header (lib/header.c `hdrchkTags`, `hdrchkData`). */
const MAX_TAGS = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

/**
 * Reads name, version, release, epoch, arch and source RPM from one rpm header blob as rpm stores
 * it in `rpmdb.sqlite` (`headerExport`: int32 index count, int32 data length, 16-byte index
 * entries {tag, type, offset, count}, then the data store; all big-endian). Returns `undefined`
 * for a malformed blob or rpm's `gpg-pubkey` pseudo-packages.
 */
export function parseRpmHeader(blob: Buffer): DbPackage | undefined {
  if (blob.length < 8) return undefined;
  const indexCount = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (indexCount === 0 || indexCount > MAX_TAGS || dataLength > MAX_DATA) return undefined;
  const dataStart = 8 + indexCount * 16;
  const dataEnd = dataStart + dataLength;
  if (dataEnd > blob.length) return undefined;
  const values = new Map<number, string | number>();
  for (let i = 0; i < indexCount; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    if (
      tag !== TAG_NAME &&
      tag !== TAG_VERSION &&
      tag !== TAG_RELEASE &&
      tag !== TAG_EPOCH &&
      tag !== TAG_ARCH &&
      tag !== TAG_SOURCERPM
    ) {
      continue;
    }
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readUInt32BE(at + 8);
    const start = dataStart + offset;
    if (offset >= dataLength) continue;
    if (type === TYPE_INT32) {
      if (start + 4 <= dataEnd) values.set(tag, blob.readInt32BE(start));
    } else if (type === TYPE_STRING || type === TYPE_STRING_ARRAY || type === TYPE_I18NSTRING) {
      const end = blob.indexOf(0, start);
      if (end === -1 || end > dataEnd) continue;
      values.set(tag, blob.toString('utf8', start, end));
    }
  }
  const name = values.get(TAG_NAME);
  const version = values.get(TAG_VERSION);
  if (typeof name !== 'string' || typeof version !== 'string' || name === '' || name === 'gpg-pubkey') {
    return undefined;
  }
  const release = values.get(TAG_RELEASE);
  const epoch = values.get(TAG_EPOCH);
  const arch = values.get(TAG_ARCH);
  const sourceRpm = values.get(TAG_SOURCERPM);
  const source =
    typeof sourceRpm === 'string' ? /^(.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$/.exec(sourceRpm)?.[1] : undefined;
  return {
    name,
    version: `${typeof epoch === 'number' && epoch > 0 ? `${epoch}:` : ''}${version}${typeof release === 'string' ? `-${release}` : ''}`,
    ...(source ? { source } : {}),
    ...(typeof arch === 'string' && arch !== '' ? { architecture: arch } : {}),
  };
}
