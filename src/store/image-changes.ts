import type { Redis } from 'ioredis';
import { isRecord } from '../is-record.js';
import { storeError } from './store-error.js';

/**
 * What changed, as told over Redis pub/sub to every process that caches judgements (admission):
 * the facts or the verdict of these digests (an index and its platform manifests together), or
 * everything at once (a new policy set, a resync after a lost subscription).
 */
export type ImageChange = { digests: string[] } | { all: true };

export function imageChangesChannel(prefix: string): string {
  return `${prefix}:image-changes`;
}

/** Tells every subscriber that what is stored about `digests` changed. */
export async function publishImageChanges(redis: Redis, prefix: string, change: ImageChange): Promise<void> {
  if ('digests' in change && change.digests.length === 0) return;
  try {
    await redis.publish(imageChangesChannel(prefix), JSON.stringify(change));
  } catch (err) {
    throw storeError('announce changed verdicts', err);
  }
}

/** The change a message announces; undefined for a message pushgate did not write. */
export function parseImageChange(message: string): ImageChange | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  if (parsed.all === true) return { all: true };
  if (Array.isArray(parsed.digests) && parsed.digests.every((d) => typeof d === 'string'))
    return { digests: parsed.digests as string[] };
  return undefined;
}

/**
 * Subscribes `subscriber` (a connection of its own: a subscribed ioredis client runs no other
 * command) to the changes. Messages published while the connection was down are lost, so every
 * reconnection is reported as `{ all: true }`: a cache then starts over instead of serving what it
 * may have missed. Resolves once subscribed; the returned function unsubscribes.
 */
export async function subscribeImageChanges(
  subscriber: Redis,
  prefix: string,
  onChange: (change: ImageChange) => void,
): Promise<() => Promise<void>> {
  const channel = imageChangesChannel(prefix);
  const onMessage = (from: string, message: string): void => {
    if (from !== channel) return;
    const change = parseImageChange(message);
    if (change) onChange(change);
  };
  let subscribed = false;
  // ioredis re-subscribes by itself after a reconnect (`autoResubscribe`); what was missed is not replayed.
  const onReady = (): void => {
    if (subscribed) onChange({ all: true });
  };
  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);
  try {
    await subscriber.subscribe(channel);
  } catch (err) {
    subscriber.off('message', onMessage);
    subscriber.off('ready', onReady);
    throw storeError('subscribe to changed verdicts', err);
  }
  subscribed = true;
  return async () => {
    subscriber.off('message', onMessage);
    subscriber.off('ready', onReady);
    try {
      await subscriber.unsubscribe(channel);
    } catch {
      // A closed connection is unsubscribed already.
    }
  };
}
