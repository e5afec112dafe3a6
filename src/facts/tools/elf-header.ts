/** Bytes to ask the walker for: the whole 64-bit ELF header (the 32-bit one is 52). */
export const ELF_HEADER_BYTES = 64;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

/** What the identification bytes and the first fields of an ELF header say. */
export interface ElfHeader {
  /** EI_CLASS: 32- or 64-bit objects. */
  bits: 32 | 64;
  /** EI_DATA: byte order of everything after the identification bytes. */
  endian: 'le' | 'be';
  /** e_type: 1 relocatable, 2 executable, 3 shared object or PIE, 4 core. */
  type: number;
  /** e_machine: the instruction set (62 x86-64, 183 AArch64…). */
  machine: number;
  /** e_flags, when the header is complete (MIPS records its ABI there). */
  flags?: number;
}

/**
 * Parses the ELF header at the start of `bytes`; `undefined` when it is not one the kernel or the
 * dynamic loader would accept (no `\x7fELF` magic, an unknown class or byte order, a version other
 * than 1, or fewer than the 24 bytes up to e_version). Reads nothing past the header.
 */
export function parseElfHeader(bytes: Buffer | undefined): ElfHeader | undefined {
  if (bytes === undefined || bytes.length < 24) return undefined;
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  const bits = bytes[4] === 1 ? 32 : bytes[4] === 2 ? 64 : undefined;
  const endian = bytes[5] === 1 ? 'le' : bytes[5] === 2 ? 'be' : undefined;
  if (bits === undefined || endian === undefined || bytes[6] !== 1) return undefined;
  const u16 = (at: number): number => (endian === 'le' ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number): number => (endian === 'le' ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  if (u32(20) !== 1) return undefined;
  const flagsAt = bits === 64 ? 48 : 36;
  return {
    bits,
    endian,
    type: u16(16),
    machine: u16(18),
    ...(bytes.length >= flagsAt + 4 ? { flags: u32(flagsAt) } : {}),
  };
}

const EM_SPARC = 2;
const EM_386 = 3;
const EM_MIPS = 8;
const EM_PPC = 20;
const EM_PPC64 = 21;
const EM_S390 = 22;
const EM_ARM = 40;
const EM_SPARCV9 = 43;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_RISCV = 243;
const EM_LOONGARCH = 258;
/** MIPS n32: 32-bit objects for a 64-bit CPU. */
const EF_MIPS_ABI2 = 0x20;

const MACHINE_NAMES: Record<number, string> = {
  [EM_SPARC]: 'SPARC',
  [EM_386]: 'Intel 80386',
  [EM_MIPS]: 'MIPS',
  [EM_PPC]: 'PowerPC',
  [EM_PPC64]: 'PowerPC64',
  [EM_S390]: 'IBM S/390',
  [EM_ARM]: 'ARM',
  [EM_SPARCV9]: 'SPARC V9',
  [EM_X86_64]: 'x86-64',
  [EM_AARCH64]: 'AArch64',
  [EM_RISCV]: 'RISC-V',
  [EM_LOONGARCH]: 'LoongArch',
};

/** e_machine as `readelf -h` names it, or `e_machine N` for the ones not listed. */
export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `e_machine ${machine}`;
}

/**
 * The OCI architecture (Go's GOARCH spelling, as image configs write it) an ELF object runs on, or
 * `undefined` for a combination no image platform names (x32, big-endian AArch64, an unlisted
 * machine). ARM variants (v6/v7) are not told apart: the header does not say.
 */
export function elfArchitecture(
  header: Pick<ElfHeader, 'bits' | 'endian' | 'machine' | 'flags'>,
): string | undefined {
  const { bits, endian, machine } = header;
  const le = endian === 'le';
  switch (machine) {
    case EM_X86_64:
      return bits === 64 && le ? 'amd64' : undefined;
    case EM_386:
      return bits === 32 && le ? '386' : undefined;
    case EM_AARCH64:
      return bits === 64 && le ? 'arm64' : undefined;
    case EM_ARM:
      return bits === 32 ? (le ? 'arm' : 'armbe') : undefined;
    case EM_RISCV:
      return le ? (bits === 64 ? 'riscv64' : 'riscv') : undefined;
    case EM_PPC64:
      return bits === 64 ? (le ? 'ppc64le' : 'ppc64') : undefined;
    case EM_PPC:
      return bits === 32 && !le ? 'ppc' : undefined;
    case EM_S390:
      return le ? undefined : bits === 64 ? 's390x' : 's390';
    case EM_MIPS:
      if (bits === 64) return le ? 'mips64le' : 'mips64';
      if (((header.flags ?? 0) & EF_MIPS_ABI2) !== 0) return le ? 'mips64p32le' : 'mips64p32';
      return le ? 'mipsle' : 'mips';
    case EM_LOONGARCH:
      return bits === 64 && le ? 'loong64' : undefined;
    case EM_SPARCV9:
      return bits === 64 && !le ? 'sparc64' : undefined;
    case EM_SPARC:
      return bits === 32 && !le ? 'sparc' : undefined;
    default:
      return undefined;
  }
}

/** Every architecture `elfArchitecture` can return. */
export const KNOWN_ARCHITECTURES: ReadonlySet<string> = new Set([
  'amd64',
  '386',
  'arm64',
  'arm',
  'armbe',
  'riscv64',
  'riscv',
  'ppc64le',
  'ppc64',
  'ppc',
  's390x',
  's390',
  'mips64le',
  'mips64',
  'mips64p32le',
  'mips64p32',
  'mipsle',
  'mips',
  'loong64',
  'sparc64',
  'sparc',
]);

/** Other spellings of architectures: uname, Debian, LLVM triples, Node's `process.arch`. */
const ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  i386: '386',
  i486: '386',
  i586: '386',
  i686: '386',
  x86: '386',
  ia32: '386',
  armhf: 'arm',
  armel: 'arm',
  armv6: 'arm',
  armv6l: 'arm',
  armv7: 'arm',
  armv7l: 'arm',
  ppc64el: 'ppc64le',
  powerpc64le: 'ppc64le',
  powerpc64: 'ppc64',
  loongarch64: 'loong64',
  mips64el: 'mips64le',
  mipsel: 'mipsle',
};

/**
 * `name` as an architecture `elfArchitecture` returns (`x86_64` → `amd64`, `aarch64` → `arm64`),
 * or `undefined` when it names none. Case-insensitive.
 */
export function normalizeArchitecture(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const lower = name.trim().toLowerCase();
  if (KNOWN_ARCHITECTURES.has(lower)) return lower;
  return ALIASES[lower];
}
