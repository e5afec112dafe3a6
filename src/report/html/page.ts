import { contentSecurityPolicy, inlineBlockHashes } from './content-security-policy.js';
import type { SafeHtml } from './safe-html.js';

/**
 * One self-contained page: the CSP (every inline style and script by hash, read back from the
 * finished markup) in a `<meta>` and returned for a server's header, then `head` and `body`.
 */
export function htmlPage(
  head: SafeHtml,
  body: SafeHtml,
  options: { formsToSelf?: boolean } = {},
): { html: string; csp: string } {
  const hashes = inlineBlockHashes(`${head.value}\n${body.value}`);
  // A `<meta>` policy adds to a server's header: a page with forms (the web view's logout) needs 'self'.
  const csp = contentSecurityPolicy(hashes, options.formsToSelf ? "'self'" : "'none'");
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
