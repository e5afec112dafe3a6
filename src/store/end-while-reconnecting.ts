import type { Redis } from 'ioredis';

/**
 * Makes `disconnect()` and `quit()` end a client that is waiting out its reconnect delay, on this
 * client and on every `duplicate()` of it (BullMQ makes its blocking connections that way).
 *
 * ioredis 6 does not: a client between two reconnect attempts has no socket, so `disconnect()`
 * clears the reconnect timer and nothing else. The client stays `reconnecting` for good and never
 * emits `end`, and BullMQ's `Worker.close()`, which waits for that `end`, never returns; `quit()`
 * waits for a Redis that may not come back, also when called during a connect attempt. A pushgate
 * stopped while Redis was down, or in the second or two after Redis came back, hung until it was
 * killed.
 *
 * A client in status `wait` (never connected) is the one case ioredis ends at once: it runs its
 * close handler, which ends a manually closed client, flushes its queues and emits `close` and
 * `end`. A waiting-to-reconnect client is in the same state (no socket, nothing in flight), so it
 * is ended the same way.
 */
export function endWhileReconnecting(client: Redis): Redis {
  const disconnect = client.disconnect.bind(client);
  client.disconnect = (reconnect = false): void => {
    if (!reconnect && client.status === 'reconnecting') client.status = 'wait';
    disconnect(reconnect);
  };
  const quit = client.quit.bind(client);
  client.quit = ((...args: Parameters<Redis['quit']>) => {
    // QUIT would wait in the offline queue until Redis answers; there is no session to end. Also
    // while a connect attempt is under way (on a loaded machine that lasts): disconnect() ends its
    // socket when the attempt ends.
    if (client.status !== 'reconnecting' && client.status !== 'connecting') return quit(...args);
    client.disconnect();
    const ok = Promise.resolve('OK' as const);
    const callback = args[0];
    if (typeof callback === 'function') void ok.then((reply) => callback(null, reply));
    return ok;
  }) as Redis['quit'];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>): Redis =>
    endWhileReconnecting(duplicate(...args));
  return client;
}
