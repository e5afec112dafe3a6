import { createHash } from 'node:crypto';

/** Credentials for one registry. Exactly one form is normally set. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (`identitytoken` in Docker's config.json); exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken` in Docker's config.json). */
  registryToken?: string;
}

export function hasCredentials(
  credentials: RegistryCredentials | undefined,
): credentials is RegistryCredentials {
  return (
    credentials !== undefined &&
    ((credentials.username !== undefined && credentials.password !== undefined) ||
      credentials.identityToken !== undefined ||
      credentials.registryToken !== undefined)
  );
}

/**
 * A stable, non-secret identity for token-cache keys: tokens fetched with one credential are never
 * served to a request made with another.
 */
export function credentialId(credentials: RegistryCredentials | undefined): string {
  if (!hasCredentials(credentials)) return 'anonymous';
  const material = JSON.stringify([
    credentials.username ?? '',
    credentials.password ?? '',
    credentials.identityToken ?? '',
    credentials.registryToken ?? '',
  ]);
  return `cred-${createHash('sha256').update(material).digest('hex').slice(0, 16)}`;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
