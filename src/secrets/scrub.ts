import { maskedPreview } from './redact.js';
import { parseCreatedBy } from './parse-created-by.js';
import { scanText, scanVariable } from './scan-text.js';

/** `text` with every occurrence of each value (4+ characters) replaced by its masked preview. */
export function replaceValues(text: string, values: Iterable<string>): string {
  let out = text;
  // Longest first, so a value containing another is masked whole.
  for (const value of [...new Set(values)].sort((a, b) => b.length - a.length)) {
    if (value.length >= 4 && out.includes(value)) out = out.split(value).join(maskedPreview(value));
  }
  return out;
}

/** A `NAME=value` pair's value (a label, a build argument) with any secret in it masked. */
export function scrubVariable(name: string, value: string): string {
  return replaceValues(
    value,
    scanVariable(name, value).map((m) => m.value),
  );
}

/**
 * Every secret value the secrets engine finds in a history `created_by`: build arguments and
 * ARG/ENV/LABEL pairs judged by name and value (`ENV DB_PASSWORD="correct horse battery"`), and
 * the command text by value — the same reading the secrets extractor reports from.
 */
export function secretValuesInCreatedBy(createdBy: string): string[] {
  const { pairs, rest } = parseCreatedBy(createdBy);
  const values = pairs.flatMap(([name, value]) => scanVariable(name, value).map((m) => m.value));
  if (rest !== '') values.push(...scanText(Buffer.from(rest, 'utf8')).map((m) => m.value));
  return values;
}
