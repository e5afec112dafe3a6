/**
 * The web view's cookies. `__Host-` names make browsers refuse them unless they are Secure, set
 * over HTTPS (or a loopback address, which browsers count as secure), host-only and `Path=/`, so
 * neither a sibling domain nor plain HTTP on the network can set or read them.
 */
export const SESSION_COOKIE = '__Host-pushgate-session';
/** The login form's double-submit CSRF token (there is no session yet to hold one). */
export const LOGIN_COOKIE = '__Host-pushgate-login';

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A `Set-Cookie` value. `value` is always base64url (session ids, CSRF tokens), so it needs no
 * quoting; `maxAgeSeconds` 0 removes the cookie.
 */
export function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; Secure; HttpOnly; SameSite=Strict`;
}
