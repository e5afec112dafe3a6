// Writes test/fixtures/images/sample.tar from the spec in sample-image.ts.
import { fileURLToPath } from 'node:url';
import { writeDockerArchive } from './image-builder.js';
import { buildSampleImage } from './sample-image.js';

const target = fileURLToPath(new URL('../fixtures/images/sample.tar', import.meta.url));
await writeDockerArchive(target, await buildSampleImage(), ['pushgate/sample:1.0']);
process.stdout.write(`wrote ${target}\n`);
