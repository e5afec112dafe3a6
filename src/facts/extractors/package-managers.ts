import type { CheckDefinition } from '../checks.js';
import { REMEDIES } from '../remedies.js';
import { PACKAGE_MANAGER_CATALOGUE } from '../tools/tool-catalogue.js';
import { createToolDetector } from '../tools/tool-detector.js';

const PACKAGE_MANAGER_PRESENT: CheckDefinition = {
  id: 'package-manager-present',
  title: 'Package manager present',
  severity: 'medium',
  category: 'Package managers',
  description:
    'A package manager (apt, apt-get, dpkg, apk, yum, dnf, microdnf, rpm, zypper, pacman, pip, pipx, poetry, npm, npx, yarn, pnpm, corepack, gem, bundle, composer, conda, mamba) in the final image: an installed package or an ELF/script binary in a bin directory, links followed. It lets an intruder install tools at run time; production images should not need one.',
  remedy: REMEDIES.packageManager,
};

/** Package managers in the final image. */
export const packageManagers = createToolDetector({
  id: 'package-managers',
  version: 1,
  section: 'packageManagers',
  catalogue: PACKAGE_MANAGER_CATALOGUE,
  checks: [PACKAGE_MANAGER_PRESENT],
  checkFor: () => PACKAGE_MANAGER_PRESENT,
  description:
    'Package managers present in the final image: one entry per tool name with at least one present package or content-checked binary, and all its evidence (packages, files in every layer including deleted ones, history install commands).',
  kindDescription: 'Ecosystem: deb, apk, rpm, pacman, python, node, ruby, php, conda.',
});
