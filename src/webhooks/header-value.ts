/** Request headers as Node gives them (lower-case names) or as a test writes them. */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The single value of a header, looked up case-insensitively. A header sent more than once is
 * treated as absent: with two Authorization values there is no telling which one a proxy checked.
 */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | string[] | undefined;
  let seen = 0;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (value === undefined) continue;
    found = value;
    seen += 1;
  }
  if (seen !== 1 || found === undefined) return undefined;
  if (Array.isArray(found)) return found.length === 1 && typeof found[0] === 'string' ? found[0] : undefined;
  return typeof found === 'string' ? found : undefined;
}
