import { createHash, type Hash } from 'node:crypto';

/**
 * A file's checksums, hex, over its whole content: what OS package databases record (dpkg md5,
 * apk sha1, rpm sha256), so provenance can tell a packaged file from one changed after install.
 */
export interface FileDigests {
  md5: string;
  sha1: string;
  sha256: string;
}

/** Hashes content piece by piece as it streams by (no second read). */
export class DigestAccumulator {
  private readonly md5: Hash = createHash('md5');
  private readonly sha1: Hash = createHash('sha1');
  private readonly sha256: Hash = createHash('sha256');

  update(piece: Uint8Array): void {
    this.md5.update(piece);
    this.sha1.update(piece);
    this.sha256.update(piece);
  }

  digest(): FileDigests {
    return { md5: this.md5.digest('hex'), sha1: this.sha1.digest('hex'), sha256: this.sha256.digest('hex') };
  }
}

/** The checksums of content held in memory. */
export function digestsOf(content: Uint8Array): FileDigests {
  const accumulator = new DigestAccumulator();
  accumulator.update(content);
  return accumulator.digest();
}
