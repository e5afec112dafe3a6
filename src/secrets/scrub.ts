import { maskedPreview } from './redact.js';
import { scanText, scanVariable } from './scan-text.js';

function replaceValues(text: string, values: Iterable<string>): string {
  let out = text;
  // Longest first, so a value containing another is masked whole.
  for (const value of [...new Set(values)].sort((a, b) => b.length - a.length)) {
    if (value.length >= 4 && out.includes(value)) out = out.split(value).join(maskedPreview(value));
  }
  return out;
}

/**
 * Masks every secret the text rules find in `text` (a history `created_by`, a command line), so
 * strings copied into facts and evidence never carry one. Detection and reporting stay with the
 * secrets extractor, which reads the raw config.
 */
export function scrubText(text: string): string {
  if (text === '') return text;
  return replaceValues(
    text,
    scanText(Buffer.from(text, 'utf8')).map((m) => m.value),
  );
}

/** A `NAME=value` pair's value (a label, a build argument) with any secret in it masked. */
export function scrubVariable(name: string, value: string): string {
  return replaceValues(
    value,
    scanVariable(name, value).map((m) => m.value),
  );
}
