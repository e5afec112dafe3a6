/**
 * File types never read for secrets, by extension: formats that are binary by definition
 * (images, fonts, audio/video, archives and compressed files, compiled objects, gettext
 * catalogues). Sniffing would skip them too; skipping by name saves reading their content. Each
 * one is counted in `skipped.allowedPaths`. Text formats (.svg, .pem, .key, .map, .min.js, lock
 * files) are always scanned.
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
  // compiled objects and bytecode
  'so', 'a', 'o', 'ko', 'pyc', 'pyo', 'class', 'dll', 'exe', 'wasm', 'node',
  // gettext catalogues, terminfo-like compiled data
  'mo', 'gmo',
]); // prettier-ignore

/** True when the file's name puts it in a skipped type (also versioned shared objects, `libx.so.1.2`). */
export function isSkippedFileName(base: string): boolean {
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return false;
  if (base.includes('.so.')) return true;
  return SKIPPED_EXTENSIONS.has(base.slice(dot + 1).toLowerCase());
}
