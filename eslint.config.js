import path from 'node:path';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// Layering (ARCHITECTURE.md, "Layers of the code"). Folders are named from the repository root;
// `src` alone means the files directly in src/ (errors, escape-text, logger, …).

/** What the queues run; renaming the folder is a change to this line only. */
const SERVICE = 'src/pipeline';

/**
 * Floors, bottom first. A folder imports only from its own folder and from lower floors; folders on
 * one floor do not import each other. So every arrow points down and the folders cannot form a
 * cycle. test/unit/layering/folder-graph.test.ts fails on a folder that has no floor here.
 */
export const FLOORS = [
  ['src', 'src/throughput'],
  ['src/oci'],
  ['src/registry'],
  ['src/image'],
  ['src/inspect', 'src/secrets'],
  ['src/facts'],
  ['src/policy'],
  ['src/report'],
  ['src/config'],
  ['src/store'],
  // The writer knows its writes (own-writes.ts): intake asks it whether an event looks like one.
  ['src/actions'],
  ['src/webhooks'],
  ['src/queue'],
  [SERVICE],
  // The Kubernetes admission webhook: decides from stored facts; the server serves it.
  ['src/admission'],
  ['src/server', 'workers'],
  ['src/cli'],
];

/** Knows images, facts and policies; works the same from the CLI, the server and the workers. */
export const CORE = [
  'src/oci',
  'src/registry',
  'src/image',
  'src/inspect',
  'src/facts',
  'src/secrets',
  'src/policy',
  'src/report',
];

/** How work arrives and is carried: HTTP, webhooks, queues, worker processes, the command line. */
export const TRANSPORT = [
  'src/server',
  'src/webhooks',
  'src/queue',
  SERVICE,
  'src/admission',
  'src/cli',
  'workers',
];

/** Code that writes to registries: the writer half of the registry client. */
const REGISTRY_WRITER = 'src/registry/*-writer.ts';
/** The composition root that builds the per-registry clients and hands writers to the actions. */
export const CLIENT_ROOT = `${SERVICE}/registry-clients.ts`;

/** Every file of a folder as a glob (`src` alone: the files directly in src/). */
const filesOf = (folder) => (folder === 'src' ? 'src/*.ts' : `${folder}/**`);

const floorZones = FLOORS.flatMap((floor, index) =>
  floor.map((folder) => ({
    target: filesOf(folder),
    from: [...floor.filter((other) => other !== folder), ...FLOORS.slice(index + 1).flat()].map(filesOf),
    message: `${folder} is on floor ${index} of FLOORS in eslint.config.js: it imports only from its own folder and lower floors.`,
  })),
).filter((zone) => zone.from.length > 0);

/** Every file that may not import the registry writer: all but src/actions, src/registry and the client root. */
const writerForbidden = [
  ...FLOORS.flat()
    .filter((folder) => !['src/actions', 'src/registry', SERVICE].includes(folder))
    .map(filesOf),
  `${SERVICE}/!(${path.basename(CLIENT_ROOT, '.ts')}).ts`,
  `${SERVICE}/*/**`,
];

/**
 * A writer reached without importing its file: asking RegistryClients for one, or re-exporting the
 * writer module from somewhere lint lets more code import.
 */
const WRITER_SYNTAX = [
  {
    selector: "CallExpression[callee.property.name='writer']",
    message: `Only ${SERVICE}/enforce-image.ts asks for a registry writer (to hand it to src/actions).`,
  },
  {
    selector:
      'ExportAllDeclaration[source.value=/-writer\\.js$/], ExportNamedDeclaration[source.value=/-writer\\.js$/]',
    message: 'The registry writer is never re-exported: import it where lint allows, or not at all.',
  },
];

const layeringZones = [
  {
    target: CORE.map(filesOf),
    from: TRANSPORT.map(filesOf),
    message: 'Core never imports transport (ARCHITECTURE.md, "Layers of the code").',
  },
  {
    target: filesOf('src/webhooks'),
    from: ['src/inspect', 'src/registry', 'src/image'].map(filesOf),
    message: 'Webhook adapters read payloads only: no registry, image or layer code.',
  },
  {
    target: 'src/facts/extractors/!(index).ts',
    from: 'src/facts/extractors/**',
    message: 'Extractors never import each other: share code through src/facts/tools or a helper folder.',
  },
  {
    target: writerForbidden,
    from: REGISTRY_WRITER,
    message: `Only src/actions writes to registries; ${CLIENT_ROOT} builds the writers and hands them over.`,
  },
  ...floorZones,
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/.work/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Specifiers say `.js` and name `.ts` files: the TypeScript resolver maps them. Without a
    // resolved path the rule stays silent, which test/unit/layering/lint-layering.test.ts guards.
    files: ['src/**/*.ts', 'workers/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layeringZones }],
      'no-restricted-syntax': ['error', ...WRITER_SYNTAX],
    },
  },
  {
    // The enforcer asks the composition root for a writer and hands it to runActions; no one else.
    files: ['src/pipeline/enforce-image.ts', CLIENT_ROOT],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
