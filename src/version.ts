import { existsSync, readFileSync } from 'node:fs';

// src/version.ts and dist/src/version.js sit at different depths below package.json.
const candidates = [
  new URL('../package.json', import.meta.url),
  new URL('../../package.json', import.meta.url),
];
const packageJson = candidates.find(
  (url) => existsSync(url) && readFileSync(url, 'utf8').includes('"name": "pushgate"'),
);

/** pushgate's version, from package.json (one source of truth for the CLI and reports). */
export const PUSHGATE_VERSION: string = packageJson
  ? (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
  : '0.0.0';
