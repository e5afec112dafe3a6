import type { PushgateConfig, WebhookAuthConfig } from './types.js';

export const REDACTED = '<redacted>';

/** `scheme://user:<redacted>@host/path`: a URL's password goes, the rest stays readable. */
function redactUserinfo(url: URL): string {
  if (url.username === '' && url.password === '') return `${url.protocol}//${url.host}`;
  return `${url.protocol}//${url.username}:${REDACTED}@${url.host}`;
}

function redactQuery(url: URL): string {
  // A bare `?abc` is all value: its "key" is redacted too.
  const query = [...url.searchParams.entries()]
    .map(([key, value]) => (value === '' ? REDACTED : `${encodeURIComponent(key)}=${REDACTED}`))
    .join('&');
  return query !== '' ? `?${query}` : '';
}

/** A Redis URL with its password (userinfo or `?password=`) redacted; the database number stays. */
export function redactRedisUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  return `${redactUserinfo(url)}${url.pathname === '/' ? '' : url.pathname}${redactQuery(url)}`;
}

/**
 * A notify URL is often a capability itself (Slack and Discord webhook URLs end in their secret,
 * others carry `?token=`): userinfo, the last path segment and every query value are redacted.
 */
export function redactNotifyUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  const segments = url.pathname.split('/');
  if (segments.length > 1 && segments[segments.length - 1] !== '') segments[segments.length - 1] = REDACTED;
  return `${redactUserinfo(url)}${segments.join('/')}${redactQuery(url)}`;
}

function redactAuth(auth: WebhookAuthConfig): WebhookAuthConfig {
  switch (auth.type) {
    case 'bearer':
      return { ...auth, token: REDACTED };
    case 'header':
      return { ...auth, value: REDACTED };
    case 'hmac-sha256':
      return { ...auth, secret: REDACTED };
    case 'path':
      return { ...auth, secret: REDACTED };
    case 'none':
      return { ...auth };
  }
}

/**
 * A copy of the configuration safe to print and log (`pushgate config show`, startup logs): API
 * tokens, registry passwords, webhook tokens and secrets, notify secrets, the fingerprint key and
 * the Redis passwords (the URL's, the servers' and the sentinels') become "<redacted>"; notify URLs
 * lose their secret-looking parts.
 * User names, hosts and everything else stay, so the output still tells what is configured.
 */
export function redactConfig(config: Readonly<PushgateConfig>): PushgateConfig {
  const copy = structuredClone(config) as PushgateConfig;
  copy.server.apiTokens = copy.server.apiTokens.map((entry) =>
    typeof entry === 'string' ? REDACTED : { ...entry, token: REDACTED },
  );
  if (copy.redis.url !== undefined) copy.redis.url = redactRedisUrl(copy.redis.url);
  if (copy.redis.password) copy.redis.password = REDACTED;
  if (copy.redis.sentinelPassword) copy.redis.sentinelPassword = REDACTED;
  for (const registry of copy.registries) {
    if (registry.credentials) registry.credentials.password = REDACTED;
    if (registry.pullCredentials) registry.pullCredentials.password = REDACTED;
  }
  copy.webhooks = copy.webhooks.map((webhook) => ({ ...webhook, auth: redactAuth(webhook.auth) }));
  copy.enforcement.notify = copy.enforcement.notify.map((target) => ({
    ...target,
    url: redactNotifyUrl(target.url),
    ...(target.secret !== undefined ? { secret: REDACTED } : {}),
  }));
  copy.secrets.fingerprintKey = REDACTED;
  return copy;
}
