// `npm run gen:validators`: rewrites src/oci/image-config-validator.generated.ts from
// src/oci/image-config.schema.json (see image-config-validator.ts).
import { writeFile } from 'node:fs/promises';
import { IMAGE_CONFIG_VALIDATOR_FILE, imageConfigValidatorCode } from './image-config-validator.js';

await writeFile(IMAGE_CONFIG_VALIDATOR_FILE, await imageConfigValidatorCode());
process.stdout.write(`wrote ${IMAGE_CONFIG_VALIDATOR_FILE}\n`);
