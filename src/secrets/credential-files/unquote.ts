/** Strips one pair of matching surrounding quotes (and surrounding blanks) from an ini/YAML value. */
export function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
    return value.slice(1, -1);
  }
  return value;
}
