#!/usr/bin/env node
// Runs bin/pushgate.js in this very process and, when the process exits, writes its peak RSS
// (`process.resourceUsage().maxRSS`, KiB) to the file named by the first argument: the catalogue
// measures the CLI itself, not the test runner or a sampling guess.
// Usage: node measured-cli.mjs RSS_FILE [pushgate arguments…]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'pushgate.js');
const [rssFile, ...args] = process.argv.slice(2);
if (!rssFile) {
  process.stderr.write('usage: measured-cli.mjs RSS_FILE [pushgate arguments…]\n');
  process.exit(64);
}
process.on('exit', () => {
  writeFileSync(rssFile, `${process.resourceUsage().maxRSS}\n`);
});
// bin/pushgate.js reads process.argv.slice(2): make it see exactly the pushgate arguments.
process.argv = [process.argv[0], bin, ...args];
await import(pathToFileURL(bin).href);
