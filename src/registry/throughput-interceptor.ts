import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

import { PushgateError } from '../errors.js';
import { describeStall, ThroughputWatch, type ThroughputLimits } from '../throughput/throughput-watch.js';
import { printable } from '../escape-text.js';

type Controller = Dispatcher.DispatchController;
type Handler = Dispatcher.DispatchHandler;

/**
 * Watches a response body as it comes off the socket and aborts the request when it falls below
 * the minimum throughput. The consumer's own pauses (undici pauses the socket when the reader is
 * behind) stop the clock, so only the registry is judged.
 */
class ThroughputHandler implements Handler {
  private readonly watch: ThroughputWatch;
  private controller: Controller | undefined;

  constructor(
    limits: ThroughputLimits,
    private readonly what: string,
    private readonly inner: Handler,
  ) {
    this.watch = new ThroughputWatch(limits, (received) =>
      this.controller?.abort(
        new PushgateError(
          'REGISTRY_UNREACHABLE',
          `${this.what}: the response body stalled: ${describeStall(limits, received)}`,
          { transient: true, details: { stalled: true, received } },
        ),
      ),
    );
  }

  /** The controller handed down: pause/resume also stop and restart the clock. */
  private wrap(controller: Controller): Controller {
    const watch = this.watch;
    return {
      get aborted() {
        return controller.aborted;
      },
      get paused() {
        return controller.paused;
      },
      get reason() {
        return controller.reason;
      },
      get rawHeaders() {
        return controller.rawHeaders;
      },
      get rawTrailers() {
        return controller.rawTrailers;
      },
      abort: (reason: Error) => controller.abort(reason),
      pause: () => {
        watch.pause();
        controller.pause();
      },
      resume: () => {
        watch.resume();
        controller.resume();
      },
    };
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.controller = controller;
    this.inner.onRequestStart?.(this.wrap(controller), context);
  }

  onRequestUpgrade(
    controller: Controller,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: never,
  ): void {
    this.inner.onRequestUpgrade?.(this.wrap(controller), statusCode, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.controller = controller;
    this.watch.start();
    this.inner.onResponseStart?.(this.wrap(controller), statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.watch.add(chunk.length);
    this.inner.onResponseData?.(this.wrap(controller), chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.watch.stop();
    this.inner.onResponseEnd?.(this.wrap(controller), trailers);
  }

  onResponseError(controller: Controller, error: Error): void {
    this.watch.stop();
    this.inner.onResponseError?.(this.wrap(controller), error);
  }
}

/** An undici interceptor (`dispatcher.compose(...)`) applying `limits` to every response body. */
export function throughputInterceptor(limits: ThroughputLimits): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    if (limits.minBytesPerSecond <= 0) return dispatch(options, handler);
    const origin = options.origin === undefined ? '' : String(options.origin).replace(/^https?:\/\//, '');
    const path = options.path.split('?')[0];
    const what = `${options.method} ${printable(origin + path, 300)}`;
    return dispatch(options, new ThroughputHandler(limits, what, handler as Handler));
  };
}
