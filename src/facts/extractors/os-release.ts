import type { FactExtractor } from '../extractor.js';
import { fileEvidence } from '../evidence.js';
import type { OsFact } from '../image-facts.js';

const CANDIDATES = ['etc/os-release', 'usr/lib/os-release'];

type Parsed = { id: string; versionId?: string; prettyName?: string };
type LayerResult = Record<string, Parsed>;

/** Parses os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): Parsed | undefined {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    values[match[1]] = value;
  }
  if (!values.ID) return undefined;
  return {
    id: values.ID,
    ...(values.VERSION_ID ? { versionId: values.VERSION_ID } : {}),
    ...(values.PRETTY_NAME ? { prettyName: values.PRETTY_NAME } : {}),
  };
}

/** The distribution the image is built on, from the os-release file visible in the final filesystem. */
export const osRelease: FactExtractor<LayerResult> = {
  id: 'os-release',
  version: 1,
  checks: [],
  schema: {
    os: {
      description:
        'The distribution named by /etc/os-release (or /usr/lib/os-release); null when the image has none.',
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['id', 'evidence'],
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            versionId: { type: 'string' },
            prettyName: { type: 'string' },
            evidence: { $ref: '#/$defs/evidence' },
          },
        },
      ],
    },
  },
  wants(entry) {
    return entry.type === 'file' && CANDIDATES.includes(entry.path) ? { content: 64 * 1024 } : false;
  },
  collect() {
    const found: LayerResult = {};
    return {
      onEntry(entry, content) {
        const parsed = content ? parseOsRelease(content.toString('utf8')) : undefined;
        if (parsed) found[entry.path] = parsed;
      },
      finish: () => found,
    };
  },
  assemble({ layers, stack }) {
    for (const candidate of CANDIDATES) {
      const resolved = stack.resolve(candidate);
      if (!resolved || resolved.entry.kind !== 'file') continue;
      const parsed = layers[resolved.entry.layer]?.result[resolved.path];
      if (!parsed) continue;
      const layer = layers[resolved.entry.layer].info;
      const os: OsFact = { ...parsed, evidence: fileEvidence(layer, resolved.path, stack) };
      return { os };
    }
    return { os: null };
  },
  findings: () => [],
};
