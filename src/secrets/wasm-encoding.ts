/**
 * Just enough of the WebAssembly binary format to write a one-function module by hand: LEB128,
 * sections, and the instructions the secrets engine's SIMD kernels use (keyword-filter-wasm.ts,
 * token-runs-wasm.ts), each named after its text-format mnemonic.
 */

/** Unsigned LEB128. */
export function u(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
function s(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, contents: number[]): number[] {
  return [id, ...u(contents.length), ...contents];
}

function name(text: string): number[] {
  return [...u(text.length), ...Buffer.from(text, 'latin1')];
}

// Instructions (exported under their mnemonics).
const I32 = 0x7f;
const V128 = 0x7b;
const EMPTY = 0x40;
export const block = [0x02, EMPTY];
export const loop = [0x03, EMPTY];
export const if_ = [0x04, EMPTY];
export const end = [0x0b];
export const br = (depth: number): number[] => [0x0c, ...u(depth)];
export const brIf = (depth: number): number[] => [0x0d, ...u(depth)];
export const get = (local: number): number[] => [0x20, ...u(local)];
export const set = (local: number): number[] => [0x21, ...u(local)];
export const tee = (local: number): number[] => [0x22, ...u(local)];
export const i32Const = (value: number): number[] => [0x41, ...s(value)];
export const i32Load8U = (offset: number): number[] => [0x2d, 0, ...u(offset)];
export const i32Store = (offset: number): number[] => [0x36, 2, ...u(offset)];
export const else_ = [0x05];
export const i32Eqz = [0x45];
export const i32Eq = [0x46];
export const i32Ne = [0x47];
export const i32GeS = [0x4e];
export const i32GeU = [0x4f];
export const i32LtU = [0x49];
export const i32Clz = [0x67];
export const i32Ctz = [0x68];
export const i32Add = [0x6a];
export const i32Sub = [0x6b];
export const i32And = [0x71];
export const i32Or = [0x72];
export const i32Xor = [0x73];
export const i32Shl = [0x74];
export const i32ShrU = [0x76];
export const simd = (op: number): number[] => [0xfd, ...u(op)];
export const v128Load = (offset: number): number[] => [...simd(0x00), 0, ...u(offset)];
export const v128Const = (byte: number): number[] => [...simd(0x0c), ...new Array<number>(16).fill(byte)];
export const i8x16Swizzle = simd(0x0e);
export const i8x16Ne = simd(0x24);
export const v128And = simd(0x4e);
export const i8x16Bitmask = simd(0x64);
export const i8x16ShrU = simd(0x6d);

/**
 * `LO[byte & 15] & HI[byte >> 4]` for each of the 16 bytes at `IN + p` (`address` is `IN` plus
 * any further offset), with `lo`, `hi` the v128 locals holding the tables and `v` a scratch one:
 * the nibble-table lookup both SIMD kernels classify bytes with (`i8x16.swizzle`).
 */
export function nibbleLookup(lo: number, hi: number, p: number, address: number, v: number): number[] {
  return [
    ...get(lo),
    ...get(p),
    ...v128Load(address),
    ...tee(v),
    ...v128Const(0x0f),
    ...v128And,
    ...i8x16Swizzle,
    ...get(hi),
    ...get(v),
    ...i32Const(4),
    ...i8x16ShrU,
    ...i8x16Swizzle,
    ...v128And,
  ];
}

/**
 * `while (p < limit) { body; p += 16 }`: the block loop both kernels run over their input. `body`
 * sits inside the loop, so its own branch depths count from there.
 */
export function everyBlock(p: number, limit: number, body: number[]): number[] {
  return [
    ...block,
    ...loop,
    ...get(p),
    ...get(limit),
    ...i32GeU,
    ...brIf(1),
    ...body,
    ...addTo(p, 16),
    ...br(0),
    ...end,
    ...end,
  ];
}

/** `local += n` (i32): a loop's step, a run's growth, an output cursor's advance. */
export function addTo(local: number, n: number): number[] {
  return [...get(local), ...i32Const(n), ...i32Add, ...set(local)];
}

/** `(at - base) >> log2Size`: how many items of `1 << log2Size` bytes were written from `base` to local `at`. */
export function itemsWritten(at: number, base: number, log2Size: number): number[] {
  return [...get(at), ...i32Const(base), ...i32Sub, ...i32Const(log2Size), ...i32ShrU];
}

export interface WasmFunction {
  /** The export name of the function; the memory is exported as `memory`. */
  name: string;
  /** i32 parameters; the function returns one i32. */
  params: number;
  /** Locals after the parameters: this many i32s, then this many v128s. */
  i32Locals: number;
  v128Locals: number;
  /** 64 KiB pages of memory. */
  pages: number;
  /** The instructions, ending with `end`. */
  body: number[];
}

/** A module with one exported function and one exported memory. */
export function wasmModule(fn: WasmFunction): Uint8Array {
  const code = [...u(2), ...u(fn.i32Locals), I32, ...u(fn.v128Locals), V128, ...fn.body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [...u(1), 0x60, ...u(fn.params), ...new Array<number>(fn.params).fill(I32), ...u(1), I32]),
    ...section(3, [...u(1), ...u(0)]),
    ...section(5, [...u(1), 0x00, ...u(fn.pages)]),
    ...section(7, [...u(2), ...name(fn.name), 0x00, ...u(0), ...name('memory'), 0x02, ...u(0)]),
    ...section(10, [...u(1), ...u(code.length), ...code]),
  ]);
}

/** The part of the WebAssembly global used here (this project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}

/**
 * A SIMD kernel: its module is assembled and compiled once per thread, and each user gets its own
 * instance (its own memory). `supported` is false where this runtime cannot run it: WebAssembly
 * switched off (`node --jitless`) or without SIMD.
 */
export class WasmKernel {
  readonly #assemble: () => Uint8Array;
  #module: object | null | undefined;

  constructor(assemble: () => Uint8Array) {
    this.#assemble = assemble;
  }

  get supported(): boolean {
    return this.#compiled() !== null;
  }

  /** A fresh instance's exports; throws where the kernel is not supported. */
  instantiate(): object {
    const module = this.#compiled();
    if (module === null) throw new Error('this runtime has no WebAssembly with SIMD');
    return new (wasmApi() as WebAssemblyApi).Instance(module).exports;
  }

  #compiled(): object | null {
    if (this.#module === undefined) {
      const wasm = wasmApi();
      const bytes = this.#assemble();
      this.#module = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    }
    return this.#module;
  }
}

function wasmApi(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}
