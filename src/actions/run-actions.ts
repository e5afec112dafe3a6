import { isPushgateError } from '../errors.js';
import type { RegistryWriter } from '../registry/registry-writer.js';
import type { ActionOutcome, ActionRecord, ImageRecord } from '../store/types.js';
import type { ActionContext, ActionHandler, ActionResult } from './action-handler.js';
import { ACTION_HANDLERS } from './action-handlers.js';
import type { PlannedAction } from './planned-action.js';

/** A pino logger fits. */
export interface ActionLogger {
  info(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
}

export interface RunActionsOptions {
  /** Client for the image's registry. */
  client: RegistryWriter;
  /** Plan and record, change nothing: every action gets outcome `dry-run`. */
  dryRun: boolean;
  record: ImageRecord;
  logger?: ActionLogger;
  now?: () => Date;
}

export interface ActionFailure {
  /** Index of the failed action in the plan (and in `records`). */
  index: number;
  code: string;
  transient: boolean;
}

export interface RunActionsResult {
  /** One record per planned action, in plan order: `records[i]` is what became of `planned[i]`. */
  records: ActionRecord[];
  failures: ActionFailure[];
  /** Some action failed transiently (5xx, 429, connection reset, timeout): a retry may succeed. */
  retryable: boolean;
}

/** Where an action works on a manifest: repository@digest. */
function manifestKey(action: PlannedAction): string | undefined {
  return action.kind === 'notify' ? undefined : `${action.repository}@${action.digest}`;
}

/**
 * Runs planned actions in order. One failure does not stop the others, except that nothing is
 * deleted after a failed quarantine copy, and nothing is tagged or attached to a manifest an
 * earlier action removed. In dry-run mode nothing is performed. Never throws for an action's
 * failure: it is in the returned record, classified transient or permanent.
 */
export async function runActions(
  planned: readonly PlannedAction[],
  options: RunActionsOptions,
): Promise<RunActionsResult> {
  const now = options.now ?? (() => new Date());
  const records: ActionRecord[] = [];
  const failures: ActionFailure[] = [];
  const quarantineFailed = new Set<string>();
  const removed = new Set<string>();

  for (const [index, action] of planned.entries()) {
    const key = manifestKey(action);
    let outcome: ActionOutcome;
    let note: string | undefined;
    let error: string | undefined;
    if (action.problem !== undefined) {
      outcome = 'failed';
      error = action.problem;
      failures.push({ index, code: 'CONFIG_INVALID', transient: false });
    } else if (action.kind === 'delete' && key !== undefined && quarantineFailed.has(key)) {
      outcome = 'skipped';
      error = 'the quarantine copy failed, so the image is not deleted';
    } else if ((action.kind === 'tag' || action.kind === 'attach') && key !== undefined && removed.has(key)) {
      outcome = 'skipped';
      error = 'the manifest was removed by an earlier action';
    } else if (options.dryRun) {
      outcome = 'dry-run';
    } else {
      const context: ActionContext = {
        client: options.client,
        record: options.record,
        done: [...records],
        now,
      };
      try {
        const result = await perform(action, context);
        outcome = result.outcome;
        note = result.note;
        if (key !== undefined && (action.kind === 'delete' || action.kind === 'quarantine')) removed.add(key);
      } catch (err) {
        outcome = 'failed';
        error = err instanceof Error ? err.message : String(err);
        const transient = isPushgateError(err) && err.transient;
        failures.push({ index, code: isPushgateError(err) ? err.code : 'INTERNAL', transient });
        if (action.kind === 'quarantine' && key !== undefined) quarantineFailed.add(key);
      }
    }
    const detail = [
      action.detail,
      note !== undefined ? `(${note})` : undefined,
      action.reason !== undefined ? `— ${action.reason}` : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(' ');
    const record: ActionRecord = {
      kind: action.kind,
      outcome,
      detail,
      ...(error !== undefined ? { error } : {}),
      at: now().toISOString(),
    };
    records.push(record);
    const log = {
      action: action.kind,
      outcome,
      detail,
      ...(error !== undefined ? { error } : {}),
      repository: options.record.repository,
      digest: options.record.digest,
    };
    const message = `action ${action.kind} ${outcome}`;
    if (outcome === 'failed' && options.logger?.warn !== undefined) options.logger.warn(log, message);
    else options.logger?.info(log, message);
  }
  return { records, failures, retryable: failures.some((failure) => failure.transient) };
}

/** Dispatches to the action's handler (one generic call site keeps the kind and its plan together). */
function perform(action: PlannedAction, context: ActionContext): Promise<ActionResult> {
  // TypeScript cannot tie ACTION_HANDLERS[action.kind] to the union member `action` is; the map's
  // type already guarantees every handler is registered under its own kind.
  const handler = ACTION_HANDLERS[action.kind] as ActionHandler<typeof action.kind>;
  return handler.perform(action as never, context);
}
