import { REMEDIES } from '../remedies.js';
import type { CheckDefinition, ReportFinding } from '../checks.js';
import { historyEvidence } from '../evidence.js';
import type { FactExtractor } from '../extractor.js';
import type { BuildOrderSection, ContextCopyBeforeInstall, HistoryFact } from '../image-facts.js';
import { contextCopyOf, dependencyInstallsOf, workdirOf, type ContextCopy } from '../tools/build-steps.js';
import type { LayerInfo } from '../../inspect/types.js';

const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'context-copied-before-install',
    title: 'Build context copied before the dependency install',
    severity: 'low',
    category: 'Build cache',
    description:
      'A history step copies the whole build context (`COPY . .`, `ADD . /app`; from the classic builder, which records no source names, a directory copied into the directory the install runs in) before a step that installs dependencies (`npm ci`, `npm install`, `yarn install`, `pnpm install`, `pip install -r`, `uv sync`, `poetry|pipenv|composer install`, `bundle install`, `go mod download`, `dotnet restore`): every code change invalidates the install’s cache and reinstalls everything. Copy the manifests and lockfiles first, install, then copy the rest. One finding per copy step, naming the first install after it.',
    remedy: REMEDIES.buildCacheOrder,
  },
];

const STEP_SCHEMA = {
  type: 'object',
  required: ['index', 'createdBy'],
  additionalProperties: false,
  properties: {
    index: { type: 'integer', minimum: 0, description: 'Index in `history`.' },
    createdBy: { type: 'string', description: 'As `history[].createdBy` shows it (secrets masked).' },
  },
} as const;

/** At most this many characters of a `created_by` in a finding's message (evidence keeps it whole). */
const MESSAGE_STEP_CHARS = 100;

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MESSAGE_STEP_CHARS ? `${flat.slice(0, MESSAGE_STEP_CHARS - 1)}…` : flat;
}

/**
 * Build steps in an order that defeats the layer cache: the whole context copied before the
 * dependency install. Reads the history only (no layer entries), tracking `WORKDIR` so a
 * classic-builder copy can be matched with the directory the install runs in.
 */
export const buildOrder: FactExtractor<null> = {
  id: 'build-order',
  version: 1,
  checks: CHECKS,
  schema: {
    buildOrder: {
      description:
        'The order of build steps, from the history: steps copying the whole build context before a dependency install (each with the first install after it).',
      type: 'object',
      required: ['contextCopyBeforeInstall'],
      additionalProperties: false,
      properties: {
        contextCopyBeforeInstall: {
          type: 'array',
          items: {
            type: 'object',
            required: ['copy', 'install', 'evidence'],
            additionalProperties: false,
            properties: {
              copy: STEP_SCHEMA,
              install: {
                ...STEP_SCHEMA,
                required: [...STEP_SCHEMA.required, 'command'],
                properties: {
                  ...STEP_SCHEMA.properties,
                  command: { type: 'string', description: 'The install command, e.g. `npm ci`.' },
                },
              },
              evidence: {
                type: 'array',
                description: 'History evidence of the copy step, then of the install step.',
                items: { $ref: '#/$defs/evidence' },
              },
            },
          },
        },
      },
    },
  },
  wants: () => false,
  collect: () => ({ onEntry() {}, finish: () => null }),
  assemble({ layers, facts }) {
    const infoOf = (layer: number | null): LayerInfo | undefined =>
      layer === null ? undefined : layers[layer]?.info;
    const found: ContextCopyBeforeInstall[] = [];
    /** Copies not yet followed by an install they invalidate. */
    let pending: Array<{ step: HistoryFact; copy: ContextCopy }> = [];
    let workdir = '/';
    // Read from the facts' history, whose `createdBy` is already redacted: a command quoted in a
    // finding (`pip install -r r.txt --index-url https://user:token@…`) never carries a secret.
    for (const step of facts.history) {
      const createdBy = step.createdBy;
      if (createdBy === '') continue;
      const directory = workdirOf(createdBy, workdir);
      if (directory !== undefined) {
        workdir = directory;
        continue;
      }
      const copy = contextCopyOf(createdBy, workdir);
      if (copy !== undefined) {
        if (copy.wholeContext || copy.sourceKind === 'dir') pending.push({ step, copy });
        continue;
      }
      for (const install of dependencyInstallsOf(createdBy, workdir)) {
        const invalidating = pending.filter(
          ({ copy: c }) => c.wholeContext || c.destination === install.directory,
        );
        for (const { step: copyStep } of invalidating) {
          found.push({
            copy: { index: copyStep.index, createdBy: copyStep.createdBy },
            install: { index: step.index, createdBy, command: install.command },
            evidence: [
              historyEvidence(infoOf(copyStep.layerIndex), copyStep.index, 'copies the build context'),
              historyEvidence(
                infoOf(step.layerIndex),
                step.index,
                `installs dependencies: ${install.command}`,
              ),
            ],
          });
        }
        pending = pending.filter((p) => !invalidating.includes(p));
      }
    }
    const section: BuildOrderSection = { contextCopyBeforeInstall: found };
    return { buildOrder: section };
  },
  findings(facts) {
    const check = CHECKS[0];
    return (facts.buildOrder?.contextCopyBeforeInstall ?? []).map((item): ReportFinding => ({
      check: check.id,
      severity: check.severity,
      category: check.category,
      message: `history[${item.copy.index}] (${short(item.copy.createdBy)}) copies the build context before history[${item.install.index}] installs dependencies (${short(item.install.command)}): every code change reinstalls them; copy the manifests and lockfiles first, install, then copy the rest`,
      evidence: item.evidence,
    }));
  },
};
