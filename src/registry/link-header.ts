/**
 * The `rel="next"` target of a `Link` header (RFC 8288), as written (possibly relative), or
 * undefined. Several links may share one header, separated by commas.
 */
export function nextLink(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const value of values) {
    const pattern = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(value.slice(0, 16 * 1024))) !== null) {
      for (const param of match[2].split(';')) {
        const eq = param.indexOf('=');
        if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
        const rels = param
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '')
          .toLowerCase()
          .split(/\s+/);
        if (rels.includes('next')) return match[1];
      }
    }
  }
  return undefined;
}
