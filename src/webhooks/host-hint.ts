const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const MAX_HOST = 255;

/**
 * How a payload names its registry:
 * - `host`: a bare `host[:port]` (distribution `request.host`), or a URL with a scheme;
 * - `reference`: an image reference or URL (`hub.harbor.com/proj/app:1`, `quay.io/ns/repo`), whose
 *   first component is a host only when Docker would read it as one (has `.` or `:`, or is
 *   `localhost`);
 * - `url`: a base URL (`https://acme.jfrog.io`), scheme optional.
 */
export type HostHintForm = 'host' | 'reference' | 'url';

/**
 * The registry host a payload names, lower-cased, or undefined when there is none or it is not a
 * well-formed host. Only a hint: intake maps it to a configured registry and never connects to it.
 */
export function hostHint(value: unknown, form: HostHintForm): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > 2048) return undefined;
  let host: string;
  if (SCHEME.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    if (url.username !== '' || url.password !== '') return undefined;
    host = url.host;
  } else {
    const slash = text.indexOf('/');
    // A bare host has no path; a base URL or reference may.
    if (form === 'host' && slash !== -1) return undefined;
    host = slash === -1 ? text : text.slice(0, slash);
    if (form === 'reference') {
      if (slash === -1) return undefined;
      if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return undefined;
    }
  }
  host = host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/\.(:[0-9]+)$/, '$1');
  if (host.length > MAX_HOST || !HOST.test(host)) return undefined;
  return host;
}
