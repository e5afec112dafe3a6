import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { cspHash, pageCsp } from '../../../src/server/ui/csp.js';
import { imagePath } from '../../../src/server/ui/format.js';
import { escapeHtml, href, html, raw } from '../../../src/server/ui/html.js';
import { sameOrigin } from '../../../src/server/ui/request-checks.js';

function request(headers: Record<string, string>): Request {
  return { headers } as unknown as Request;
}

describe('web view escaping', () => {
  it('escapes text and attribute values, and shows control and bidi characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml('a\u202eb\nc\x1b')).toBe('a\\u202eb\\nc\\x1b');
    const value = '"><script>alert(1)</script>';
    expect(html`<b title="${value}"></b>`.value).toBe(
      '<b title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"></b>',
    );
    // Nested templates and raw markup are kept; arrays are joined; absent values print nothing.
    expect(
      html`<ul>
        ${['<1>', html`<li>${'<2>'}</li>`, raw('<hr>'), undefined, false]}
      </ul>`.value,
    ).toMatch(/^<ul>\s*&lt;1&gt;<li>&lt;2&gt;<\/li><hr>\s*<\/ul>$/);
  });

  it('percent-encodes query values so a repository cannot add a parameter', () => {
    expect(href('/ui/images', { repository: 'a&before=x#y', decision: undefined })).toBe(
      '/ui/images?repository=a%26before%3Dx%23y',
    );
    expect(imagePath({ digest: `sha256:${'a'.repeat(64)}`, registry: 'r', repository: 'team/app&x=1' })).toBe(
      `/ui/images/sha256:${'a'.repeat(64)}?registry=r&repository=team%2Fapp%26x%3D1`,
    );
  });
});

describe('web view CSP', () => {
  it('keeps the renderer’s hashes and imposes its own rules over anything looser', () => {
    const policy = pageCsp({
      policy: "default-src *; style-src 'sha256-AAA'; script-src 'sha256-BBB'; form-action 'none'",
      styleHashes: [cspHash('x')],
    });
    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      `style-src 'sha256-AAA' ${cspHash('x')}`,
      "script-src 'sha256-BBB'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]);
    expect(cspHash('body{}')).toBe(`'sha256-${createHash('sha256').update('body{}').digest('base64')}'`);
  });
});

describe('web view Origin check', () => {
  const host = 'pushgate.example.com';
  it.each([
    [{ host, origin: 'https://pushgate.example.com' }, true],
    [{ host: `${host}:443`, origin: 'https://pushgate.example.com' }, true],
    [{ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' }, true],
    [{ host, origin: 'null', 'sec-fetch-site': 'same-origin' }, true],
    [{ host, 'sec-fetch-site': 'same-origin' }, true],
    [{ host, origin: 'https://pushgate.example.com', 'sec-fetch-site': 'same-site' }, false],
    [{ host, origin: 'https://evil.example.com' }, false],
    [{ host, origin: 'https://pushgate.example.com.evil.example' }, false],
    [{ host, origin: 'https://pushgate.example.com:8443' }, false],
    [{ host, origin: 'null' }, false],
    [{ host }, false],
    [{ host, origin: 'https://pushgate.example.com/path' }, false],
    [{ origin: 'https://pushgate.example.com' }, false],
  ])('%o → %s', (headers, expected) => {
    expect(sameOrigin(request(headers as Record<string, string>))).toBe(expected);
  });
});
