import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ApiTokenRole } from '../config/types.js';
import { isRecord } from '../is-record.js';
import { storeError } from './store-error.js';

/** One logged-in browser of the web view. Holds no token: only which configured token it was. */
export interface UiSession {
  /** What the cookie carries: 32 random bytes, base64url. Redis keys it by its SHA-256 only. */
  id: string;
  /** The role of the token that logged in, when it logged in (the caller checks it again). */
  role: ApiTokenRole;
  /** `tokenId` of the API token that logged in, so removing the token ends its sessions. */
  tokenId: string;
  /** The CSRF token every POST of this session carries (32 random bytes, base64url). */
  csrf: string;
  createdAt: string;
  expiresAt: string;
}

/** A session lasts this long from login, whatever happens in between (no sliding renewal). */
export const DEFAULT_UI_SESSION_TTL_SECONDS = 8 * 3600;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * An API token's identity in Redis: a domain-separated SHA-256, never the token. Redis is trusted
 * with the service's state anyway (whoever writes it can forge a session); this keeps the token
 * itself out of dumps and `MONITOR`.
 */
export function uiTokenId(token: string): string {
  return createHash('sha256').update(`pushgate-ui-token\0${token}`).digest('base64url');
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Sessions of the web view: one Redis string per session (`<prefix>:ui-session:<sha256(id)>`)
 * expiring with the session, so a logout or the TTL ends it everywhere at once and a Redis dump
 * holds no usable session id.
 */
export class UiSessions {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly ttlSeconds: number;

  constructor(redis: Redis, prefix: string, options: { ttlSeconds?: number } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.ttlSeconds = Math.max(1, Math.ceil(options.ttlSeconds ?? DEFAULT_UI_SESSION_TTL_SECONDS));
  }

  async create(login: { role: ApiTokenRole; tokenId: string }): Promise<UiSession> {
    const now = Date.now();
    const session: UiSession = {
      id: newSecret(),
      role: login.role,
      tokenId: login.tokenId,
      csrf: newSecret(),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.ttlSeconds * 1000).toISOString(),
    };
    const { id: _id, ...stored } = session;
    try {
      await this.#redis.set(this.key(session.id), JSON.stringify(stored), 'EX', this.ttlSeconds, 'NX');
    } catch (err) {
      throw storeError('create a web view session', err);
    }
    return session;
  }

  /** The live session `id` names, or undefined (unknown, expired, logged out, malformed). */
  async get(id: string): Promise<UiSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    let json: string | null;
    try {
      json = await this.#redis.get(this.key(id));
    } catch (err) {
      throw storeError('read a web view session', err);
    }
    if (json === null) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (
      !isRecord(parsed) ||
      (parsed.role !== 'read' && parsed.role !== 'admin') ||
      typeof parsed.tokenId !== 'string' ||
      typeof parsed.csrf !== 'string' ||
      typeof parsed.createdAt !== 'string' ||
      typeof parsed.expiresAt !== 'string'
    )
      return undefined;
    return {
      id,
      role: parsed.role,
      tokenId: parsed.tokenId,
      csrf: parsed.csrf,
      createdAt: parsed.createdAt,
      expiresAt: parsed.expiresAt,
    };
  }

  async delete(id: string): Promise<void> {
    if (!SESSION_ID.test(id)) return;
    try {
      await this.#redis.del(this.key(id));
    } catch (err) {
      throw storeError('end a web view session', err);
    }
  }

  /** The Redis key of session `id` (tests expire it early through it). */
  key(id: string): string {
    return `${this.#prefix}:ui-session:${createHash('sha256').update(id).digest('hex')}`;
  }
}
