import { createHash } from 'node:crypto';

/** `'sha256-…'`: the CSP source that allows exactly this inline `<style>` or `<script>` body. */
export function cspHash(body: string): string {
  return `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;
}

/**
 * The executable inline blocks of a page, as CSP hash sources. The page's markup is written by the
 * report (every image string escaped, so `<style`/`<script` cannot come from data); this reads the
 * blocks back from the finished page, so a block the caller adds (`extraHead`) is covered too.
 * Data blocks (`type="application/json"`) are not executed and need no hash.
 */
export function inlineBlockHashes(page: string): { styles: string[]; scripts: string[] } {
  const hash = cspHash;
  const styles = [...page.matchAll(/<style(?:\s[^>]*)?>([\s\S]*?)<\/style>/gi)].map((m) => hash(m[1]));
  const scripts = [...page.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)]
    .filter((m) => !/\btype\s*=\s*"application\/(?:ld\+)?json"/i.test(m[1] ?? ''))
    .map((m) => hash(m[2]));
  return { styles: [...new Set(styles)], scripts: [...new Set(scripts)] };
}

/**
 * Nothing loads from anywhere (no fetch, image, font, frame, form target or base URL); only the
 * inline blocks with these hashes run. `frame-ancestors` is left to a server's header: browsers
 * ignore it (with a console error) in a `<meta>` policy.
 */
export function contentSecurityPolicy(
  hashes: { styles: string[]; scripts: string[] },
  formAction: "'none'" | "'self'" = "'none'",
): string {
  const list = (sources: string[]): string => (sources.length > 0 ? sources.join(' ') : "'none'");
  return [
    "default-src 'none'",
    `style-src ${list(hashes.styles)}`,
    `script-src ${list(hashes.scripts)}`,
    "img-src 'none'",
    "base-uri 'none'",
    `form-action ${formAction}`,
  ].join('; ');
}
