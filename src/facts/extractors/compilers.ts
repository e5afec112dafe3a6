import type { CheckDefinition } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import { COMPILER_CATALOGUE } from '../tools/tool-catalogue.js';
import { createToolDetector } from '../tools/tool-detector.js';

const COMPILER_PRESENT: CheckDefinition = {
  id: 'compiler-present',
  title: 'Compiler or build toolchain present',
  severity: 'high',
  category: 'Compilers and build toolchains',
  description:
    'A compiler, linker, assembler or build tool (gcc, g++, cc, clang, ld, as, rustc, cargo, go, javac, tsc, node-gyp, make, cmake, ninja…) in the final image: an installed package (gcc*, build-essential, build-base, golang-go, openjdk-*-jdk…) or an ELF/script binary in a bin directory (links followed, versioned and multiarch names included). Lets an intruder build tools inside the container; it belongs in a build stage.',
  remedy: REMEDIES.buildToolchain,
};

const DEV_HEADERS_PRESENT: CheckDefinition = {
  id: 'dev-headers-present',
  title: 'Development headers installed',
  severity: 'low',
  category: 'Compilers and build toolchains',
  description:
    'Development packages (`*-dev`, `*-devel`, libc6-dev, musl-dev, linux-headers) installed in the final image: build leftovers that add size and attack surface; one finding lists them all.',
  remedy: REMEDIES.devHeaders,
};

/** Compilers and build toolchains in the final image. */
export const compilers = createToolDetector({
  id: 'compilers',
  version: 1,
  section: 'compilers',
  catalogue: COMPILER_CATALOGUE,
  checks: [COMPILER_PRESENT, DEV_HEADERS_PRESENT],
  checkFor: (finding) => (finding.kind === 'headers' ? DEV_HEADERS_PRESENT : COMPILER_PRESENT),
  description:
    'Compilers and build toolchains present in the final image: one entry per tool name with at least one present package or content-checked binary (ELF or #! script in a bin directory), and all its evidence (packages, files in every layer including deleted ones, history install commands). `build-essential`/`build-base` and `dev-headers` (every *-dev/*-devel package) come from the package database only.',
  kindDescription: 'Family: c, fortran, rust, go, java, kotlin, scala, node, asm, build, headers.',
});
