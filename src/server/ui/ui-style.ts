import { cspHash } from './csp.js';

/**
 * The web view's one stylesheet, inline in every page and allowed by its hash. System colours
 * and fonts; focus always visible, for keyboard use.
 */
export const UI_STYLE = [
  ':root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.4}',
  'body{margin:0}',
  '.pg-skip,.pg-sr{position:absolute;left:-999px;top:0}',
  '.pg-skip:focus{left:.5rem;top:.5rem;background:Canvas;color:LinkText;padding:.3rem .6rem;z-index:10}',
  '.pg-nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid GrayText}',
  '.pg-nav .pg-brand{font-weight:bold;margin-right:auto}',
  '.pg-nav form{margin:0}',
  '.pg-main{padding:1rem;max-width:90rem}',
  'a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid Highlight;outline-offset:2px}',
  '.pg-table{border-collapse:collapse;width:100%}',
  '.pg-table th,.pg-table td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid GrayText;vertical-align:top}',
  '.pg-table td.pg-num,.pg-table th.pg-num{text-align:right;font-variant-numeric:tabular-nums}',
  '.pg-filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:end;margin:0 0 1rem}',
  '.pg-filters label{display:flex;flex-direction:column;font-size:.9rem}',
  '.pg-decision{font-weight:bold;text-transform:uppercase;font-size:.85rem}',
  '.pg-decision-pass{color:#1a7f37}.pg-decision-reject,.pg-decision-error{color:#cf222e}',
  '.pg-decision-warn,.pg-decision-tag{color:#9a6700}.pg-decision-unknown{color:GrayText}',
  '.pg-mono{font-family:ui-monospace,monospace;font-size:.9em;overflow-wrap:anywhere}',
  '.pg-error{border:2px solid #cf222e;padding:.5rem 1rem}',
  '.pg-login{max-width:28rem}',
  '.pg-login label{display:block;margin:.5rem 0}',
  '.pg-login input{width:100%;box-sizing:border-box;padding:.4rem}',
  '.pg-ui{padding:0 1rem 1rem}',
].join('\n');

export const UI_STYLE_HASH = cspHash(UI_STYLE);
