import type { ServerResponse } from 'node:http';

/**
 * Answers `status` with `body` as JSON on a plain Node response — what Express's `res.json` does
 * for pushgate's settings (no ETag, no JSON formatting options), without Express: the admission
 * listener and the webhook fast path have no Express response, and error answers share it.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
