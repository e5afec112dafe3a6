import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

const FLAG_DEFLATE = 1;
/** Small values are stored as plain JSON: deflate saves little there and costs a pool thread. */
const DEFLATE_ABOVE_BYTES = 2048;

/** How one kind of Redis value is framed: a 4-byte tag, an encoding version, a size bound. */
export interface JsonFrame {
  /** Four ASCII bytes naming the kind of value (`PGLC`, `PGFD`). */
  magic: Buffer;
  /** Bump when the shape changes: values of another version then read as absent. */
  version: number;
  /** Inflated JSON above this is refused: a corrupt value must not exhaust memory. */
  maxDecodedBytes: number;
}

/** `magic`, version, flags, then the JSON of `value` (raw-deflated when large). */
export async function encodeFramedJson(frame: JsonFrame, value: unknown): Promise<Buffer> {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const deflated = json.length > DEFLATE_ABOVE_BYTES;
  const payload = deflated ? await deflate(json, { level: 6 }) : json;
  return Buffer.concat([frame.magic, Buffer.from([frame.version, deflated ? FLAG_DEFLATE : 0]), payload]);
}

/** The parsed JSON, or undefined when `data` is not a readable value of this frame and version. */
export async function decodeFramedJson(frame: JsonFrame, data: Buffer): Promise<unknown> {
  const header = frame.magic.length + 2;
  if (data.length < header || !data.subarray(0, frame.magic.length).equals(frame.magic)) return undefined;
  if (data[frame.magic.length] !== frame.version) return undefined;
  const flags = data[frame.magic.length + 1];
  if ((flags & ~FLAG_DEFLATE) !== 0) return undefined;
  try {
    const payload = data.subarray(header);
    const json =
      flags & FLAG_DEFLATE ? await inflate(payload, { maxOutputLength: frame.maxDecodedBytes }) : payload;
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
