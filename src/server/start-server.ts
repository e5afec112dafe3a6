import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { startAdmissionServer, type RunningAdmissionServer } from '../admission/admission-server.js';
import type { AdmissionDecider } from '../admission/types.js';
import type { PushgateConfig } from '../config/types.js';
import { logRedisErrors, type Logger } from '../logger.js';
import { createQueues, type Queues } from '../queue/create-queues.js';
import { createApp } from './create-app.js';
import { createMetrics } from './metrics.js';
import { AuditLog } from '../store/audit-log.js';
import { BreakGlassStore } from '../store/break-glass.js';
import { createRedis, isRedisReady } from '../store/redis-connection.js';
import { VerdictStore } from '../store/verdict-store.js';
import { redisTarget } from '../store/redis-target.js';
import { loadPolicySet, type PolicySet } from '../pipeline/load-policy-set.js';
import { createServerAdmissionDecider, type AdmissionDeciderFactory } from './admission-decider.js';
import { AdmittedImages } from '../store/admitted-images.js';
import { FactsStore } from '../store/facts-store.js';
import { InspectionLock } from '../store/inspection-lock.js';
import { ReevaluationMarker } from '../store/reevaluation-marker.js';
import { admittedRetentionSeconds, countAdmittedRejected } from '../pipeline/admitted-workloads.js';
import { startBackgroundReevaluation } from '../pipeline/reevaluate-images.js';
import { cachedFor } from './cached-for.js';
import { LoginAttempts } from '../store/login-attempts.js';
import { UiSessions } from '../store/ui-sessions.js';

export type { AdmissionDeciderContext, AdmissionDeciderFactory } from './admission-decider.js';

export interface RunningServer {
  server: Server;
  /** `http://host:port` as bound (port 0 in config picks a free one). */
  url: string;
  /** The admission webhook's HTTPS listener, when `admission.enabled`. */
  admission?: RunningAdmissionServer;
  queues: Queues;
  policySet: PolicySet;
  close(): Promise<void>;
}

export async function startServer(
  config: PushgateConfig,
  logger: Logger,
  options: {
    policySet?: PolicySet;
    /** Tests replace the decider; by default it is the one that judges from stored facts. */
    admissionDecider?: AdmissionDeciderFactory;
    /** The namespace pushgate runs in (POD_NAMESPACE): always exempt from admission. */
    ownNamespace?: string;
  } = {},
): Promise<RunningServer> {
  const deciderFactory: AdmissionDeciderFactory =
    options.admissionDecider ??
    ((context) =>
      createServerAdmissionDecider(
        context,
        options.ownNamespace ? { ownNamespace: options.ownNamespace } : {},
      ));
  const target = redisTarget(config.redis);
  const policySet = options.policySet ?? (await loadPolicySet(config.policies));
  const onError = logRedisErrors(logger);
  const redis = createRedis(target, { name: 'server', onError });
  const bullRedis = createRedis(target, { name: 'server-queue', forBullmq: true, onError });
  const prefix = config.redis.prefix;
  const queues = createQueues(bullRedis, prefix, config.workers, (error) =>
    logger.warn({ err: error.message }, 'queue connection error'),
  );
  await waitForRedis([redis, bullRedis], logger);
  const store = new VerdictStore(redis, prefix);
  const audit = new AuditLog(redis, prefix);
  const admitted = new AdmittedImages(redis, prefix, {
    ttlSeconds: admittedRetentionSeconds(config.admission),
  });
  const breakGlass = new BreakGlassStore(redis, prefix, audit);
  const facts = new FactsStore(redis, prefix);
  // While Redis is away, BullMQ's connection queues commands without limit: probes must not add
  // to that queue, so they fail at once instead.
  const whenReady = <T>(run: () => Promise<T>): Promise<T> =>
    isRedisReady(bullRedis) ? run() : Promise.reject(new Error('Redis is not connected'));
  const metrics = createMetrics({
    redis,
    prefix,
    queues: [
      { name: 'inspect', getJobCounts: () => whenReady(() => queues.inspect.getJobCounts()) },
      { name: 'enforce', getJobCounts: () => whenReady(() => queues.enforce.getJobCounts()) },
    ],
    // Up to 10,000 admissions and their verdicts: counted at most once a minute, whatever the scrape rate.
    admittedRejected: cachedFor(60_000, () => countAdmittedRejected({ admitted, verdicts: store })),
  });
  const app = createApp({
    config,
    logger,
    queues,
    policySet,
    store,
    audit,
    admitted,
    breakGlass,
    metrics: {
      handler: metrics.handler,
      countEvent: (source, outcome, count) => metrics.countEvent(source, outcome, count),
    },
    queueReady: () => isRedisReady(bullRedis),
    ui: {
      sessions: new UiSessions(redis, prefix),
      loginAttempts: new LoginAttempts(redis, prefix),
      facts,
    },
    readinessChecks: {
      redis: () => (isRedisReady(redis) ? redis.ping() : Promise.reject(new Error('Redis is not connected'))),
      queues: () =>
        whenReady(() =>
          Promise.all([queues.inspect.getJobCounts('wait'), queues.enforce.getJobCounts('wait')]),
        ),
    },
  });
  const server = createServer(app);
  // Registries wait about a second for an answer; a client that stalls mid-request gets dropped.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const bracket = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);
  const listening = `${bracket(address.address)}:${address.port}`;
  // Bound to every interface, this host reaches the server on loopback; the log says both, so
  // nobody takes a server open to the network for a loopback one.
  const everywhere = address.address === '0.0.0.0' || address.address === '::';
  const base = `http://${everywhere ? '127.0.0.1' : bracket(address.address)}:${address.port}`;
  logger.info(
    {
      listening,
      url: base,
      policies: policySet.policies.length,
      policySetVersion: policySet.version,
    },
    everywhere
      ? `serving on ${listening} (every interface: other hosts can connect; this host: ${base})`
      : `serving on ${base}`,
  );
  // A new policy set: every stored verdict is judged again from its facts, in the background.
  const reevaluation = startBackgroundReevaluation({
    config,
    logger: logger.child({ component: 'reevaluation' }),
    policySet,
    store,
    facts,
    audit,
    admitted,
    lock: new InspectionLock(redis, prefix),
    marker: new ReevaluationMarker(redis, prefix),
  });
  const closeMain = async (): Promise<void> => {
    await reevaluation.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await queues.close();
    redis.disconnect();
    bullRedis.disconnect();
  };
  let admission: RunningAdmissionServer | undefined;
  let decider: AdmissionDecider | undefined;
  if (config.admission.enabled) {
    try {
      decider = await deciderFactory({
        config,
        logger: logger.child({ component: 'admission' }),
        redis,
        store,
        audit,
        breakGlass,
        queues,
        policySet,
        metricsRegistry: metrics.registry,
        admitted,
      });
      admission = await startAdmissionServer(
        config.admission,
        decider,
        logger.child({ component: 'admission' }),
        {
          metricsRegistry: metrics.registry,
        },
      );
    } catch (err) {
      await decider?.close?.();
      await closeMain();
      throw err;
    }
  }
  return {
    server,
    url: base,
    ...(admission ? { admission } : {}),
    queues,
    policySet,
    async close() {
      await admission?.close();
      await decider?.close?.();
      await closeMain();
    },
  };
}

/** Startup waits for Redis (logging while it does), so the first webhook is not refused. */
async function waitForRedis(clients: Redis[], logger: Logger): Promise<void> {
  const ready = Promise.all(clients.map((c) => c.ping()));
  const timer = setInterval(() => logger.warn('waiting for Redis to answer'), 5000);
  try {
    await ready;
  } finally {
    clearInterval(timer);
  }
}
