import type { RegistryWriter } from '../registry/registry-writer.js';
import type { ActionKind, ActionRecord, ImageRecord } from '../store/types.js';
import type { PlannedOf } from './planned-action.js';

export interface ActionContext {
  /** Client for the image's registry (pull, push and delete rights as the action needs). */
  client: RegistryWriter;
  record: ImageRecord;
  /** Records of the actions run before this one, in plan order. */
  done: readonly ActionRecord[];
  now: () => Date;
}

export interface ActionResult {
  /** `skipped`: nothing needed doing (e.g. the manifest is already gone). */
  outcome: 'done' | 'skipped';
  /** Appended to the record's detail: how it was done or why it was skipped. */
  note?: string;
}

/**
 * One kind of enforcement action. `perform` changes the registry (or delivers a notification)
 * and throws a PushgateError naming what failed; it is never called in dry-run mode.
 */
export interface ActionHandler<K extends ActionKind> {
  kind: K;
  perform(action: PlannedOf<K>, context: ActionContext): Promise<ActionResult>;
}
