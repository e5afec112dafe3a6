import { checksumSourceFor, type ChecksumAlgorithm, type PackagedFile } from './packaged-files.js';

/**
 * The packaged files one layer's package databases list, compact enough for the layer cache:
 * package names once, and per file `[path, package index, algorithm, digest prefix]`. The
 * prefix (16 hex digits, 64 bits) keeps a Debian toolchain layer's listing small; an accidental
 * match is out of reach, and a deliberate one needs no collision: the pusher writes the database.
 */
export interface PackagedListing {
  packages: string[];
  files: Array<[path: string, pkg: number, algorithm: ChecksumAlgorithm, digest: string]>;
}

export const DIGEST_PREFIX = 16;

/** Collects the listing of one layer from the checksum files the walker hands it. */
export class PackagedListingCollector {
  private readonly packages: string[] = [];
  private readonly packageIndex = new Map<string, number>();
  private readonly files: PackagedListing['files'] = [];

  /** Content bytes to ask for when `path` is a checksum file, otherwise undefined. */
  static wants(path: string): number | undefined {
    return checksumSourceFor(path)?.maxBytes;
  }

  /** Reads one checksum file; returns false when `path` is none. */
  add(path: string, content: Buffer, size: number): boolean {
    const source = checksumSourceFor(path);
    if (source === undefined) return false;
    for (const file of source.parse(path, content, content.length >= size)) {
      let index = this.packageIndex.get(file.package);
      if (index === undefined) {
        index = this.packages.push(file.package) - 1;
        this.packageIndex.set(file.package, index);
      }
      this.files.push([file.path, index, file.algorithm, file.digest.slice(0, DIGEST_PREFIX)]);
    }
    return true;
  }

  finish(): PackagedListing {
    return { packages: this.packages, files: this.files };
  }
}

/** Every layer's listing merged into one lookup by path (a path several layers list keeps each entry). */
export function packagedIndex(
  listings: ReadonlyArray<PackagedListing | undefined>,
): Map<string, PackagedFile[]> {
  const index = new Map<string, PackagedFile[]>();
  for (const listing of listings) {
    if (listing === undefined) continue;
    for (const [path, pkg, algorithm, digest] of listing.files) {
      const entry: PackagedFile = { path, package: listing.packages[pkg] ?? '?', algorithm, digest };
      const list = index.get(path);
      if (list === undefined) index.set(path, [entry]);
      else list.push(entry);
    }
  }
  return index;
}
