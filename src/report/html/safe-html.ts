import { escapeHtmlAttribute } from './html-attribute.js';

/** Markup this module wrote (or escaped): the only thing `html` interpolates without escaping. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  // Attribute escaping is a superset of text escaping: one rule fits every interpolation site.
  return escapeHtmlAttribute(String(value));
}

/**
 * A tagged template: every interpolated string is escaped, so markup cannot come from data by
 * forgetting a call; nested `html` results pass through. Interpolations sit in text or in quoted
 * attribute values, never in URL attributes, tag names or `<script>`/`<style>` bodies.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Trusted markup as it is: the page's own stylesheet, script and the caller's extra blocks. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
