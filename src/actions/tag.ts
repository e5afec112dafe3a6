import type { ActionHandler } from './action-handler.js';

/**
 * Tags the image: the manifest's bytes, pulled by digest (so verified), PUT unchanged under the
 * new tag, which therefore names exactly the judged digest.
 */
export const tagImage: ActionHandler<'tag'> = {
  kind: 'tag',
  async perform(action, { client }) {
    const manifest = await client.getManifest(action.repository, action.digest);
    await client.putManifest(action.repository, action.tag, manifest.body, manifest.mediaType);
    return { outcome: 'done' };
  },
};
