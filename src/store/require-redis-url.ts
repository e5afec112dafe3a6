import type { PushgateConfig } from '../config/types.js';
import { PushgateError } from '../errors.js';

export function requireRedisUrl(config: PushgateConfig): string {
  if (!config.redis.url) {
    throw new PushgateError(
      'CONFIG_INVALID',
      'no Redis configured: set REDIS_URL (or redis.url in the config), or run `pushgate start`, which starts a local redis-server',
    );
  }
  return config.redis.url;
}
