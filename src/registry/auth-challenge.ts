/** One challenge from a `WWW-Authenticate` header (RFC 7235). */
export interface AuthChallenge {
  /** Lowercased scheme: `bearer`, `basic`, … */
  scheme: string;
  /** Parameter names lowercased; values unquoted. */
  params: Record<string, string>;
}

const MAX_HEADER = 16 * 1024;

/**
 * Parses every challenge of a `WWW-Authenticate` header, e.g.
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"`.
 * Commas separate both parameters and challenges; a bare token (not followed by `=`) starts a new
 * challenge. Malformed input yields what could be parsed, never throws.
 */
export function parseAuthChallenges(header: string | string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseAuthChallenges(h));
  const text = header.slice(0, MAX_HEADER);
  const challenges: AuthChallenge[] = [];
  let i = 0;
  let current: AuthChallenge | undefined;

  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < text.length && /[A-Za-z0-9!#$%&'*+.^_`|~/-]/.test(text[i])) i++;
    return text.slice(start, i);
  };

  while (i < text.length) {
    skipSpace();
    if (text[i] === ',') {
      i++;
      continue;
    }
    const token = readToken();
    if (token === '') {
      i++; // skip a character we cannot parse
      continue;
    }
    skipSpace();
    if (text[i] === '=' && current !== undefined) {
      i++;
      skipSpace();
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i];
          i++;
        }
        i++; // closing quote
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== ' ') i++;
        value = text.slice(start, i);
      }
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
      // token68 form (`Basic abc==`) carries no parameters we use; skip it.
    }
  }
  return challenges;
}

/** Scopes of a Bearer challenge: the `scope` parameter is space-separated (token.md). */
export function challengeScopes(challenge: AuthChallenge): string[] {
  const scope = challenge.params.scope;
  if (scope === undefined || scope.trim() === '') return [];
  return scope.trim().split(/\s+/);
}
