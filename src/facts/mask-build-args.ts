const SECRET_NAME = /(TOKEN|SECRET|PASSW(OR)?D|PASS|PWD|API_?KEY|ACCESS_?KEY|PRIVATE|AUTH|CREDENTIAL|_KEY$)/i;

/**
 * BuildKit and the classic builder record build arguments in `created_by` as
 * `|N NAME=value … /bin/sh -c …`. Values of secret-looking names are masked here, before the
 * string reaches a facts document; the secret detectors report them with their own redaction.
 */
export function maskBuildArgs(createdBy: string): string {
  const match = /^\|(\d+) /.exec(createdBy);
  if (!match) return createdBy;
  const count = Number(match[1]);
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
  return `|${count} ${args.join(' ')}${rest ? ` ${rest}` : ''}`;
}
