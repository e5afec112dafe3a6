import type { ActionKind } from '../store/types.js';
import type { ActionHandler } from './action-handler.js';
import { attachReport } from './attach-report.js';
import { notify } from './notify.js';
import { quarantineImage } from './quarantine.js';
import { rejectDelete } from './reject-delete.js';
import { tagImage } from './tag.js';

/**
 * Every enforcement action, by kind: the one list to extend. Typed as a complete map so a new
 * ActionKind without a handler does not compile.
 */
export const ACTION_HANDLERS: { readonly [K in ActionKind]: ActionHandler<K> } = {
  delete: rejectDelete,
  quarantine: quarantineImage,
  tag: tagImage,
  attach: attachReport,
  notify,
};
