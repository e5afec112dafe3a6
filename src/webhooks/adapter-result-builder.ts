import { buildPushEvent, type PushEventCandidate } from './build-push-event.js';
import type { AdapterResult, ParsedPushEvent } from './types.js';
import { WebhookError } from './webhook-error.js';

/**
 * Most events one body may carry. Real senders batch a handful (distribution) or one tag per
 * event (Quay); a body with more is refused before any work is done for it.
 */
export const MAX_EVENTS_PER_BODY = 1000;
/** Problems kept for the log; the count covers the rest. */
export const MAX_PROBLEMS = 10;

/** Collects one body's events, ignored and invalid entries for an adapter. */
export class AdapterResultBuilder {
  private readonly events: ParsedPushEvent[] = [];
  private ignored = 0;
  private invalidCount = 0;
  private readonly problems: string[] = [];

  constructor(private readonly sender: string) {}

  /** Refuses a batch larger than MAX_EVENTS_PER_BODY before its entries are looked at. */
  checkBatchSize(length: number, what: string): void {
    if (length > MAX_EVENTS_PER_BODY) {
      throw new WebhookError(
        'MALFORMED',
        `${this.sender}: ${what} has ${length} entries; at most ${MAX_EVENTS_PER_BODY} are accepted in one body`,
      );
    }
  }

  candidate(where: string, candidate: PushEventCandidate): void {
    const built = buildPushEvent(candidate);
    if ('problem' in built) this.invalid(where, built.problem);
    else this.events.push(built.event);
  }

  ignore(count = 1): void {
    this.ignored += count;
  }

  invalid(where: string, problem: string): void {
    this.invalidCount += 1;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(`${this.sender}: ${where}: ${problem}`);
  }

  result(): AdapterResult {
    return {
      events: this.events,
      ignored: this.ignored,
      invalid: this.invalidCount,
      problems: this.problems,
    };
  }
}
