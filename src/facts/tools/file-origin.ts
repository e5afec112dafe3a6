import { dependencyFixture } from './dependency-fixture.js';
import type { ChecksumAlgorithm, PackagedFile } from './packaged-files.js';

/** Where a file came from, as far as the image can tell. */
export type FileOrigin =
  | { origin: 'os-package'; package: string }
  | { origin: 'dependency-fixture'; package: string }
  /**
   * `listedBy`: a package database lists the file; `checked`: its checksum was compared and
   * differs (changed after installation), otherwise it could not be computed.
   */
  | { origin: 'user'; listedBy?: string; checked?: boolean };

/** Whole-file digests, lowercase hex, by algorithm (what the secrets collector computed). */
export type DigestsByAlgorithm = Partial<Record<ChecksumAlgorithm, string>>;

/**
 * The origin of one file: OS package content when a package database lists the path with the
 * checksum the file has (any layer's database: a later `apt-get install` may add the listing);
 * the user's when the database lists it with another checksum (edited after installation) or
 * when the digest it needs was not computed (`checked: false`: it could not be verified); a dependency fixture when it sits in a test,
 * fixture or example tree of an installed dependency; the user's otherwise.
 */
export function fileOrigin(
  path: string,
  digests: DigestsByAlgorithm | undefined,
  packaged: ReadonlyMap<string, readonly PackagedFile[]>,
): FileOrigin {
  const listed = packaged.get(path);
  if (listed !== undefined && listed.length > 0) {
    // Stored listings may keep a digest prefix (64 bits is plenty against an accidental match).
    const match = listed.find(
      (entry) => entry.digest.length >= 16 && digests?.[entry.algorithm]?.startsWith(entry.digest) === true,
    );
    if (match !== undefined) return { origin: 'os-package', package: match.package };
    const checked = listed.some((entry) => digests?.[entry.algorithm] !== undefined);
    return { origin: 'user', listedBy: listed[listed.length - 1].package, checked };
  }
  const fixture = dependencyFixture(path);
  if (fixture !== undefined) return { origin: 'dependency-fixture', package: fixture.package };
  return { origin: 'user' };
}
