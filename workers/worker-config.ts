import type { PushgateConfig } from '../src/config/types.js';
import { PushgateError } from '../src/errors.js';

/**
 * The parent worker passes its validated configuration to sandboxed processors in this variable:
 * the child then works from exactly what the parent validated (file, environment overrides, a
 * local Redis started by `pushgate start`) without loading and validating it again.
 */
export const RESOLVED_CONFIG_ENV = 'PUSHGATE_RESOLVED_CONFIG';

export function readResolvedConfig(env: NodeJS.ProcessEnv): PushgateConfig {
  const text = env[RESOLVED_CONFIG_ENV];
  if (!text) {
    throw new PushgateError(
      'CONFIG_INVALID',
      `${RESOLVED_CONFIG_ENV} is not set: the inspect processor must be started by \`pushgate worker\``,
    );
  }
  return JSON.parse(text) as PushgateConfig;
}
