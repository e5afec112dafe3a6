/** What the first bytes of a file say about it being runnable. */
export type ExecutableFormat = 'elf' | 'script';

/** Bytes to ask the walker for: enough for the ELF magic and a shebang. */
export const SNIFF_BYTES = 64;

/**
 * `elf` for an ELF object (`\x7fELF`), `script` for a `#!` script, `undefined` otherwise: a file
 * named `gcc` that is neither (a README, a wrapper without a shebang) is not a runnable tool.
 */
export function sniffExecutable(content: Buffer | undefined): ExecutableFormat | undefined {
  if (content === undefined || content.length < 2) return undefined;
  if (
    content.length >= 4 &&
    content[0] === 0x7f &&
    content[1] === 0x45 &&
    content[2] === 0x4c &&
    content[3] === 0x46
  ) {
    return 'elf';
  }
  if (content[0] === 0x23 && content[1] === 0x21) return 'script';
  return undefined;
}
