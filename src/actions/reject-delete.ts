import { isPushgateError } from '../errors.js';
import type { ActionHandler } from './action-handler.js';

/**
 * Deletes the manifest by digest. Registries untag every tag pointing at it (distribution does),
 * so the image disappears under all its names. A manifest already gone counts as skipped: a
 * retried job must not fail on its own earlier success.
 */
export const rejectDelete: ActionHandler<'delete'> = {
  kind: 'delete',
  async perform(action, { client }) {
    try {
      await client.deleteManifest(action.repository, action.digest);
    } catch (err) {
      if (isPushgateError(err) && err.code === 'REGISTRY_NOT_FOUND') {
        return { outcome: 'skipped', note: 'the manifest is already gone' };
      }
      throw err;
    }
    return { outcome: 'done' };
  },
};
