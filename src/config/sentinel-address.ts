export interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * `host:port` or `[ipv6]:port` as written under `redis.sentinels`, or undefined when it is not
 * one (the schema's pattern and `checkConfig` report it; this is the one parser both use).
 */
export function parseSentinelAddress(text: string): SentinelAddress | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):([0-9]{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2], port };
}
