import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

/**
 * The two parts of undici the registry client uses, loaded from undici's own files instead of its
 * index: the index loads all of undici (fetch, WebSocket, EventSource, cache stores, mocks — and
 * through them Node's bundled copy of undici), which was the largest share of a CLI scan's
 * start-up (bench/startup). undici is pinned to an exact version, and a unit test checks that
 * these files hold what the index exports, so an upgrade that moves them fails a test.
 */
export const UNDICI_PARTS = {
  agent: 'undici/lib/dispatcher/agent.js',
  request: 'undici/lib/api/api-request.js',
} as const;

const require = createRequire(import.meta.url);

export const Agent = require(UNDICI_PARTS.agent) as typeof UndiciAgent;
export type Agent = UndiciAgent;

/** `api.request`: the index installs it as `Dispatcher.prototype.request` and wraps it as `request`. */
const dispatchRequest = require(UNDICI_PARTS.request) as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

/** undici's `request(url, options)` for a URL object, built as its index builds it. */
export function request(
  url: URL,
  options: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
    method: Dispatcher.HttpMethod;
    dispatcher: Dispatcher;
  },
): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options;
  return dispatchRequest.call(dispatcher, {
    ...rest,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
  });
}
