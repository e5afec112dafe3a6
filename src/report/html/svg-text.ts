import { escapeHtmlAttribute } from './html-attribute.js';

/** A UTF-16 surrogate without its pair: not a character XML allows. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A string as SVG `<text>`/`<title>` content or attribute value. Inline SVG is parsed by the HTML
 * parser here, but the same markup must stay well-formed XML when the picture is saved on its own
 * (browsers offer "save image"): controls are already visible escapes, lone surrogates become U+FFFD.
 */
export function escapeSvgText(text: string): string {
  return escapeHtmlAttribute(text.replace(LONE_SURROGATE, '\ufffd'));
}
