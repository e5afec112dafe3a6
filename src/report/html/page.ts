import { contentSecurityPolicy, inlineBlockHashes } from './content-security-policy.js';
import type { SafeHtml } from './safe-html.js';

/**
 * One self-contained page: the CSP (every inline style and script by hash, read back from the
 * finished markup) in a `<meta>` and returned for a server's header, then `head` and `body`.
 */
export function htmlPage(head: SafeHtml, body: SafeHtml): { html: string; csp: string } {
  const csp = contentSecurityPolicy(inlineBlockHashes(`${head.value}\n${body.value}`));
  const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">
${head.value}
</head>
${body.value}
</html>
`;
  return { html: page, csp };
}
