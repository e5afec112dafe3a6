import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { HostileCase } from '../hostile-case.js';

/**
 * Issue 9, hole 7: a rule schema naming a property the facts do not have can never fail
 * (`uncompresedSize`) or always fails (`required: [nmae]`). `policy lint` reports both, in one
 * run, with file:line:col and a suggestion, and exits 1.
 */
const POLICY = `apiVersion: pushgate.dev/v1
kind: ImagePolicy
metadata:
  name: typos
spec:
  mode: enforce
  onFail:
    action: reject
  rules:
    - id: size-budget
      severity: medium
      message: image too big
      schema:
        properties:
          totals:
            properties:
              uncompresedSize:
                maximum: 500000000
    - id: named-user
      severity: medium
      message: runs as an unnamed user
      schema:
        properties:
          user:
            required: [nmae]
`;

const line = (...parts: RegExp[]): RegExp =>
  new RegExp(`^${parts.map((p) => `(?=.*${p.source})`).join('')}.*$`, 'im');

export const policyTypoCases: HostileCase[] = [
  {
    id: 'policy-property-typos',
    hole: '7',
    title: 'policy lint reports uncompresedSize and nmae with file:line:col and "did you mean"',
    async build(ctx) {
      const file = join(ctx.dir, 'typos.yaml');
      await writeFile(file, POLICY);
      return { args: ['policy', 'lint', file] };
    },
    expect: {
      exit: 1,
      stdoutMatches: [
        line(/typos\.yaml:1[5-8]:\d+:/, /uncompresedSize/, /did you mean/, /uncompressedSize/),
        line(/typos\.yaml:2[3-5]:\d+:/, /nmae/, /did you mean/, /\bname\b/),
      ],
    },
  },
];
