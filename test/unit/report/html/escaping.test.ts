import { describe, expect, it } from 'vitest';
import { escapeHtmlAttribute } from '../../../../src/report/html/html-attribute.js';
import { escapeHtmlText } from '../../../../src/report/html/html-text.js';
import { inlineJson } from '../../../../src/report/html/inline-json.js';
import { html, trusted } from '../../../../src/report/html/safe-html.js';
import { escapeSvgText } from '../../../../src/report/html/svg-text.js';

const HOSTILE = `<script>alert(1)</script><img src=x onerror="a('1')">&amp;\u202egnp.exe\x1b[2J\n`;

describe('HTML escaping helpers', () => {
  it('text: markup as entities, controls and bidi overrides visible', () => {
    const out = escapeHtmlText(HOSTILE);
    expect(out).toBe(
      `&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror="a('1')"&gt;&amp;amp;\\u202egnp.exe\\x1b[2J\\n`,
    );
  });

  it('attribute: both quotes encoded as well', () => {
    const out = escapeHtmlAttribute(`" onmouseover='x' a="`);
    expect(out).toBe('&quot; onmouseover=&#39;x&#39; a=&quot;');
    expect(out).not.toMatch(/["'<>]/);
  });

  it('SVG: well-formed XML text, lone surrogates replaced', () => {
    const out = escapeSvgText(`<svg onload="x()">\ud800</svg>`);
    expect(out).toBe('&lt;svg onload=&quot;x()&quot;&gt;\ufffd&lt;/svg&gt;');
    expect(escapeSvgText('\ud83d\ude00')).toBe('\ud83d\ude00');
  });

  it('inline JSON: `</script>` and `<!--` cannot end or bend the element, and the value survives', () => {
    const value = { path: '</script><script>alert(1)</script><!--', amp: 'a&b', bidi: '\u202e' };
    const out = inlineJson(value);
    expect(out).not.toMatch(/<|>|&/);
    expect(out).not.toContain('\u202e');
    expect(JSON.parse(out)).toEqual(value);
  });

  it('the html tag escapes every interpolation but its own results', () => {
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<p title="${'"x"'}">${HOSTILE}${inner}${[1, '<u>']}${undefined}${trusted('<br>')}</p>`;
    expect(out.value).toBe(
      `<p title="&quot;x&quot;">${escapeHtmlAttribute(HOSTILE)}<b>&lt;i&gt;</b>1&lt;u&gt;<br></p>`,
    );
  });
});
