/** The byte order a UTF-16 byte-order mark at the start of `bytes` names, if there is one. */
export function utf16Bom(bytes: Uint8Array): 'le' | 'be' | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'be';
  return undefined;
}

/**
 * Decodes UTF-16 (either byte order) to UTF-8 piece by piece: a code unit split between two
 * pieces, or a surrogate pair, waits for the next piece. Newlines survive, so line numbers of the
 * decoded text are those of the file; secrets are ASCII, so UTF-8 keeps them byte for byte.
 * Skips the byte-order mark.
 */
export class Utf16Decoder {
  private carry: Buffer | undefined;
  private bomPending = true;

  constructor(private readonly order: 'le' | 'be') {}

  push(piece: Uint8Array): Buffer {
    let bytes: Buffer = this.carry === undefined ? Buffer.from(piece) : Buffer.concat([this.carry, piece]);
    this.carry = undefined;
    if (this.bomPending && bytes.length >= 2) {
      this.bomPending = false;
      bytes = bytes.subarray(2);
    }
    let usable = bytes.length & ~1;
    if (this.bomPending) usable = 0;
    if (usable >= 2) {
      // A high surrogate at the end waits for its low half.
      const last = this.order === 'le' ? bytes[usable - 1] : bytes[usable - 2];
      if (last >= 0xd8 && last <= 0xdb) usable -= 2;
    }
    if (usable < bytes.length) this.carry = Buffer.from(bytes.subarray(usable));
    if (usable === 0) return Buffer.alloc(0);
    const units = bytes.subarray(0, usable);
    // swap16 works in place: `units` is ours (copied or concatenated above).
    if (this.order === 'be') units.swap16();
    return Buffer.from(units.toString('utf16le'), 'utf8');
  }

  /** What is left (a lone trailing byte or high surrogate decodes to U+FFFD). */
  end(): Buffer {
    const rest = this.carry;
    this.carry = undefined;
    if (rest === undefined || rest.length < 2)
      return rest === undefined ? Buffer.alloc(0) : Buffer.from('\ufffd');
    const even = rest.subarray(0, rest.length & ~1);
    if (this.order === 'be') even.swap16();
    return Buffer.from(even.toString('utf16le') + (rest.length & 1 ? '\ufffd' : ''), 'utf8');
  }
}

/** The whole of a UTF-16 text (with its BOM) as UTF-8. */
export function decodeUtf16(bytes: Uint8Array, order: 'le' | 'be'): Buffer {
  const decoder = new Utf16Decoder(order);
  const head = decoder.push(bytes);
  const tail = decoder.end();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}
