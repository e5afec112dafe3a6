import type { CheckDefinition } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import { SHELL_CATALOGUE } from '../tools/tool-catalogue.js';
import { createToolDetector } from '../tools/tool-detector.js';

const SHELL_PRESENT: CheckDefinition = {
  id: 'shell-present',
  title: 'Shell present',
  severity: 'medium',
  category: 'Shells',
  description:
    'A shell (sh, bash, dash, ash, zsh, ksh, mksh, csh, tcsh, fish, busybox) in the final image: an installed package or an ELF/script binary in a bin directory, links followed (`/bin/sh → busybox` counts). A shell turns a code-execution bug into an interactive foothold; distroless and scratch images have none. Medium: many images need `/bin/sh` for their entrypoint.',
  remedy: REMEDIES.shell,
};

/** Shells in the final image. */
export const shells = createToolDetector({
  id: 'shells',
  version: 1,
  section: 'shells',
  catalogue: SHELL_CATALOGUE,
  checks: [SHELL_PRESENT],
  checkFor: () => SHELL_PRESENT,
  description:
    'Shells present in the final image: one entry per shell name with at least one present package or content-checked binary (links resolved through the final filesystem, busybox applet links included), and all its evidence (packages, files in every layer including deleted ones, history install commands).',
  kindDescription: 'The shell; for `sh`, the shell its link resolves to (dash, bash, busybox) when known.',
});
