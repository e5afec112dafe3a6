import { Router } from 'express';

export interface HealthDeps {
  /** Each check resolves when its dependency answers; the name goes into the response. */
  readinessChecks: Record<string, () => Promise<unknown>>;
  checkTimeoutMs?: number;
}

/** `/healthz`: the process answers. `/readyz`: Redis and the queues answer too (503 otherwise). */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const timeoutMs = deps.checkTimeoutMs ?? 2000;
    const results = await Promise.all(
      Object.entries(deps.readinessChecks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_resolve, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return [name, { ok: true }] as const;
        } catch (error) {
          return [
            name,
            { ok: false, error: error instanceof Error ? error.message : String(error) },
          ] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ready = results.every(([, r]) => r.ok);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return router;
}
