import { isIP } from 'node:net';
import { PushgateError } from '../errors.js';
import { printable } from '../escape-text.js';

export interface SsrfGuardOptions {
  /** `host[:port]` of the registry API; always allowed. */
  registryHost: string;
  /**
   * Other hosts the client may be sent to by the registry: token realms, blob redirect targets
   * (CDNs, object stores). Entries are `host[:port]` or `*.domain[:port]`. An entry without a port
   * matches only URLs on their scheme's default port. Wildcards never match IP literals: an IP is
   * allowed only when listed exactly, and a wildcard over an IP (`*.10.0.0.5`) is refused.
   */
  allowedHosts?: readonly string[];
  /** Hosts (same syntax) that may be reached over plain HTTP; everything else must be https. */
  plainHttpHosts?: readonly string[];
}

/** What the client was doing when it met the URL; shown in the error. */
export type UrlPurpose = 'registry request' | 'token realm' | 'redirect' | 'pagination link';

interface HostPattern {
  wildcard: boolean;
  /** Lowercased hostname (without `*.`, IPv6 in brackets as URL.hostname gives it). */
  hostname: string;
  /** '' means the scheme's default port, as URL.port reports it. */
  port: string;
}

/** Checks an allowed-host entry the way the guard reads it; throws CONFIG_INVALID when it cannot be one. */
export function checkHostPattern(entry: string): void {
  parsePattern(entry);
}

function parsePattern(entry: string): HostPattern {
  const text = entry.trim().toLowerCase();
  const wildcard = text.startsWith('*.');
  const body = wildcard ? text.slice(2) : text;
  let url: URL;
  try {
    url = new URL(`https://${body}`);
  } catch {
    throw new PushgateError(
      'CONFIG_INVALID',
      `allowed host "${printable(entry)}" is not host[:port] or *.domain[:port]`,
    );
  }
  if (url.pathname !== '/' || url.username !== '' || url.search !== '' || body === '') {
    throw new PushgateError(
      'CONFIG_INVALID',
      `allowed host "${printable(entry)}" is not host[:port] or *.domain[:port]`,
    );
  }
  // The URL parser turns every host ending in a numeric label into an IPv4 address (`1.2.3` is
  // 1.2.0.3) and refuses other numeric endings (`a.1`), so a URL's host that is an IP never has a
  // proper dotted suffix but another IP. A wildcard over an IP is therefore refused here, which is
  // what keeps `*.domain` from ever matching an IP literal in `matches`.
  if (wildcard && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
    throw new PushgateError(
      'CONFIG_INVALID',
      `allowed host "${printable(entry)}" is a wildcard over an IP address; wildcards never match IP addresses, list the address itself`,
    );
  }
  // URL drops :443 for https; keep the port the user wrote so "host:443" still means 443.
  const portMatch = /:(\d+)$/.exec(body);
  return { wildcard, hostname: url.hostname, port: portMatch ? portMatch[1] : '' };
}

function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'http:' ? '80' : '443';
}

function matches(pattern: HostPattern, url: URL): boolean {
  const hostname = url.hostname.toLowerCase();
  const port = effectivePort(url);
  const wantedPort = pattern.port !== '' ? pattern.port : url.protocol === 'http:' ? '80' : '443';
  if (port !== wantedPort) return false;
  if (!pattern.wildcard) return hostname === pattern.hostname;
  // No IP literal ends in `.domain` for a wildcard domain parsePattern accepted (see there).
  return hostname.endsWith(`.${pattern.hostname}`);
}

/**
 * Decides which URLs the registry client may contact. The client talks only to hosts its caller
 * configured: the registry itself, plus `allowedHosts` for token realms and blob redirects.
 * Everything a registry answers with (realm, Location, Link) is checked here before any socket is
 * opened. Plain HTTP is refused unless the host is listed in `plainHttpHosts`, which also refuses
 * an https→http downgrade on redirect. Hosts are trusted by name: the caller's configuration is
 * the trust anchor, and an IP literal is allowed only when the caller listed it.
 */
export class SsrfGuard {
  readonly registryHost: string;
  private readonly registryPattern: HostPattern;
  private readonly allowed: HostPattern[];
  private readonly plainHttp: HostPattern[];

  constructor(options: SsrfGuardOptions) {
    this.registryHost = options.registryHost.toLowerCase();
    this.registryPattern = parsePattern(this.registryHost);
    this.allowed = (options.allowedHosts ?? []).map(parsePattern);
    this.plainHttp = (options.plainHttpHosts ?? []).map(parsePattern);
  }

  /** Whether plain HTTP to the registry host was asked for. */
  get registryPlainHttp(): boolean {
    const url = new URL(`http://${this.registryHost}`);
    return this.plainHttp.some((pattern) => matches(pattern, url));
  }

  /** The origin (`https://host[:port]`) of the registry API. */
  get registryOrigin(): string {
    return `${this.registryPlainHttp ? 'http' : 'https'}://${this.registryHost}`;
  }

  isRegistryOrigin(url: URL): boolean {
    return url.origin === new URL(this.registryOrigin).origin;
  }

  /** Throws SSRF_BLOCKED unless `url` may be contacted. */
  check(url: URL, purpose: UrlPurpose): void {
    const shown = printable(`${url.protocol}//${url.host}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw blocked(`${purpose} to ${printable(url.protocol)} URL refused: only http(s) is used`);
    }
    if (url.username !== '' || url.password !== '') {
      throw blocked(`${purpose} to a URL carrying credentials (${shown}) refused`);
    }
    const hostAllowed =
      matches(this.registryPattern, url) || this.allowed.some((pattern) => matches(pattern, url));
    if (!hostAllowed) {
      throw blocked(
        `${purpose} to ${shown} refused: the host is neither the registry (${this.registryHost}) nor in the allowed hosts`,
      );
    }
    if (url.protocol === 'http:' && !this.plainHttp.some((pattern) => matches(pattern, url))) {
      throw blocked(`${purpose} to ${shown} refused: plain HTTP was not enabled for this host`);
    }
  }
}

function blocked(message: string): PushgateError {
  return new PushgateError('SSRF_BLOCKED', message);
}
