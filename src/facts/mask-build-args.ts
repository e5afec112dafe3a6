const SECRET_NAME = /(TOKEN|SECRET|PASSW(OR)?D|PASS|PWD|API_?KEY|ACCESS_?KEY|PRIVATE|AUTH|CREDENTIAL|_KEY$)/i;

import { replaceValues, secretValuesInCreatedBy } from '../secrets/scrub.js';

/**
 * BuildKit and the classic builder record build arguments in `created_by` as
 * `|N NAME=value … /bin/sh -c …`. Values of secret-looking names are masked here, before the
 * string reaches a facts document; the secret detectors report them with their own redaction.
 */
export function maskBuildArgs(createdBy: string): string {
  // The classic builder writes `|N A=1 /bin/sh -c …`; BuildKit `RUN |N A=1 /bin/sh -c … # buildkit`.
  const match = /^(RUN )?\|(\d+) /.exec(createdBy);
  if (!match) return createdBy;
  const prefix = match[1] ?? '';
  const count = Number(match[2]);
  let rest = createdBy.slice(match[0].length);
  const args: string[] = [];
  for (let i = 0; i < count && rest !== ''; i++) {
    const space = rest.indexOf(' ');
    const token = space === -1 ? rest : rest.slice(0, space);
    rest = space === -1 ? '' : rest.slice(space + 1);
    const eq = token.indexOf('=');
    if (eq > 0 && SECRET_NAME.test(token.slice(0, eq))) {
      const value = token.slice(eq + 1);
      args.push(`${token.slice(0, eq)}=${value.length > 0 ? `***(${value.length} chars)` : ''}`);
    } else {
      args.push(token);
    }
  }
  return `${prefix}|${count} ${args.join(' ')}${rest ? ` ${rest}` : ''}`;
}

/**
 * `created_by` as facts and evidence may show it: secret-looking build arguments masked, and every
 * value the secrets engine finds in the raw string (ENV/ARG/LABEL values judged by their names,
 * tokens in command text such as `curl -H "Authorization: token ghp_…"`) replaced by its preview.
 * The values are found in the raw string first: masked previews contain spaces, and build
 * arguments are space-separated.
 */
export function redactCreatedBy(createdBy: string): string {
  return replaceValues(maskBuildArgs(createdBy), secretValuesInCreatedBy(createdBy));
}
