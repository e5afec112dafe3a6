// Runs the CLI from the TypeScript sources, whether or not dist/ exists (bin/pushgate.js prefers
// dist/, which may be stale in a checkout): `node --import tsx test/support/cli-from-source.ts …`.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
