/**
 * Registry answers, headers and user input end up in error messages: keep them short and free of
 * control characters so a hostile registry cannot forge log lines or terminal escapes.
 */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}
