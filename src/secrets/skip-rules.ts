/**
 * File types never read for secrets, by extension: media, fonts and compressed files, whose bytes
 * are encoded so that no credential shows in them (a key inside a `.zip` or `.jar` is deflated),
 * and gettext catalogues. Each one is counted in `skipped.byType`. Text formats (.svg, .pem, .key,
 * .map, .min.js, lock files) are always scanned.
 */
export const SKIPPED_EXTENSIONS: ReadonlySet<string> = new Set([
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'tif', 'tiff', 'xcf', 'psd', 'cur',
  // fonts
  'ttf', 'otf', 'ttc', 'woff', 'woff2', 'eot', 'pfb', 'pcf',
  // audio and video
  'mp3', 'mp4', 'm4a', 'ogg', 'oga', 'ogv', 'wav', 'flac', 'avi', 'mkv', 'webm', 'mov',
  // archives and compressed files
  'gz', 'tgz', 'bz2', 'xz', 'zst', 'lz4', 'lzma', 'zip', 'jar', 'war', 'whl', 'egg', 'deb', 'rpm', '7z', 'rar',
  // gettext catalogues
  'mo', 'gmo',
]); // prettier-ignore

/**
 * Compiled objects and bytecode: binary, but string literals are stored as they are, so a
 * credential compiled into a program shows. Not skipped: they sniff binary and are scanned with the
 * binary rules (`scan-binary.ts`), like any other binary. Listed for the documentation and tests.
 */
export const COMPILED_EXTENSIONS: ReadonlySet<string> = new Set([
  'so', 'a', 'o', 'ko', 'node', 'pyc', 'pyo', 'class', 'dll', 'exe', 'wasm',
]); // prettier-ignore

/** True when the file's name puts it in a skipped type. */
export function isSkippedFileName(base: string): boolean {
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return false;
  return SKIPPED_EXTENSIONS.has(base.slice(dot + 1).toLowerCase());
}
