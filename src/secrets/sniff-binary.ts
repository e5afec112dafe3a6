/** Bytes of a file's head looked at to decide whether it is text. */
export const SNIFF_BYTES = 8192;

/**
 * True when `content` looks binary: a NUL byte in its first 8 KiB, or more than 10 % control
 * characters there (tab, newline, carriage return, form feed, vertical tab and escape are text).
 * UTF-16 text has NULs and counts as binary here: `fileKindOf` (scan-file.ts) decodes text with a
 * byte-order mark before asking.
 */
export function sniffBinary(content: Uint8Array): boolean {
  const end = Math.min(content.length, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < end; i++) {
    const b = content[i];
    if (b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x0b || b === 0x1b)
      continue;
    if (b === 0) return true;
    control++;
  }
  return control * 10 > end;
}
