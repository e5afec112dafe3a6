import type { LogConfig } from '../logger.js';

/** Defined beside the logger, which sits below the configuration (ARCHITECTURE.md, layers). */
export type { LogConfig };

/**
 * The validated, frozen configuration every process works from. `loadConfig` builds it from a
 * YAML file and environment variables and validates it against config.schema.json; defaults are
 * filled in there, so every field below that is not optional is always present.
 */
export interface PushgateConfig {
  server: ServerConfig;
  redis: RedisConfig;
  /** Registries pushgate may talk to, by name. The only source of hosts: never an event payload. */
  registries: RegistryConfig[];
  /** Webhook endpoints, served at `POST /hooks/<name>` (and `/hooks/<name>/<secret>` for path auth). */
  webhooks: WebhookEndpointConfig[];
  policies: PoliciesConfig;
  enforcement: EnforcementConfig;
  workers: WorkersConfig;
  limits: LimitsConfig;
  admission: AdmissionConfig;
  secrets: SecretsConfig;
  log: LogConfig;
}

/**
 * `read`: GET routes and the dashboard. `admin`: also what acts (scans, break-glass exemptions).
 */
export type ApiTokenRole = 'read' | 'admin';

export type ApiTokenEntry = string | { token: string; role: ApiTokenRole };

export interface ServerConfig {
  host: string;
  port: number;
  /**
   * Tokens accepted by `/api/v1/*` and `/admin/queues` (`Authorization: Bearer <token>`, or HTTP
   * Basic with the token as password). Empty = the API answers 503 "not configured". A plain string
   * is an `admin` token (what every token could do before roles existed).
   */
  apiTokens: ApiTokenEntry[];
  /** Largest webhook body accepted, in bytes (413 above). */
  maxBodyBytes: number;
  /** Serve Bull Board at /admin/queues. */
  bullBoard: boolean;
}

export interface RedisConfig {
  /** `redis://[:password@]host:port[/db]`; unset (and no sentinels) means `npm start` may spawn a local redis-server. */
  url?: string;
  /** Redis Sentinel instead of `url`: `host:port` of each sentinel; empty or absent = not used. */
  sentinels?: string[];
  /** The master name the sentinels monitor; required with `sentinels`. */
  sentinelName?: string;
  /** Password of the Redis servers (with `url` or `sentinels`); empty = none. */
  password?: string;
  /** Password of the sentinels themselves (their `requirepass`); empty = none. */
  sentinelPassword?: string;
  /** Key prefix for every key and queue pushgate writes. */
  prefix: string;
}

export interface RegistryCredentialsConfig {
  username: string;
  password: string;
}

export interface RegistryConfig {
  /** Short name used in config references and the API (`local`, `dockerhub`). */
  name: string;
  /** API base, e.g. `https://registry.example.com` or `http://127.0.0.1:5000`; http means plain HTTP. */
  url: string;
  /**
   * The registry as image references name it (`registry.example.com`, `docker.io`, `127.0.0.1:5000`).
   * Derived from `url` when absent.
   */
  host: string;
  /** Other host names events may use for this registry (`request.host` as clients saw it). */
  aliases: string[];
  credentials?: RegistryCredentialsConfig;
  /** Read-only account for admission's tag lookups; `credentials` when absent. */
  pullCredentials?: RegistryCredentialsConfig;
  /** Token realms and blob redirect targets besides the registry itself (`host[:port]`, `*.domain`). */
  allowedHosts?: string[];
  /** Whether pushgate may delete manifests here (reject). False turns reject into tag-only. */
  allowDelete: boolean;
}

export type WebhookAuthConfig =
  | { type: 'bearer'; token: string }
  | { type: 'header'; header: string; value: string }
  | {
      type: 'hmac-sha256';
      header: string;
      secret: string;
      /** Text before the hex digest in the header, e.g. `sha256=` for GitHub. */
      prefix: string;
    }
  | { type: 'path'; secret: string }
  | { type: 'none' };

export type AdapterId =
  'distribution' | 'harbor' | 'dockerhub' | 'quay' | 'ghcr' | 'acr' | 'jfrog' | 'generic';

export interface WebhookEndpointConfig {
  /** URL segment: `POST /hooks/<name>`. Defaults to the adapter id. */
  name: string;
  adapter: AdapterId;
  /**
   * Registry (by name) every event on this endpoint belongs to. When absent, the registry host the
   * event names must match a configured registry's `host` or `aliases`, else the event gets 422.
   */
  registry?: string;
  auth: WebhookAuthConfig;
}

export interface PoliciesConfig {
  /** Policy files or directories. */
  paths: string[];
  /** What a policy that could not be evaluated does: block (`fail-closed`, default) or not. */
  onError: 'fail-closed' | 'fail-open';
}

export interface NotifyTargetConfig {
  url: string;
  /** HMAC-SHA256 key; the signature goes in `X-Pushgate-Signature-256: sha256=<hex>`. */
  secret?: string;
  /** Which decisions to send; all when absent. */
  decisions?: Array<'pass' | 'reject' | 'tag' | 'warn' | 'error'>;
}

export interface EnforcementConfig {
  /** Log and audit what would be done; change nothing in any registry. */
  dryRun: boolean;
  /** What `reject` does: delete the manifest, or copy it to the quarantine repository and then delete. */
  reject: 'delete' | 'quarantine';
  /**
   * What reject does to an UNJUDGED image (one that could not be judged under fail-closed).
   * `auto`: quarantine when `reject` is quarantine, else the fail tag; never a plain delete.
   */
  rejectUnjudged: 'auto' | 'delete' | 'quarantine' | 'tag';
  /** Quarantine repository template, e.g. `quarantine/{{repository}}`. */
  quarantineRepository: string;
  /** Tag template for images whose verdict is `tag` (a policy with `onFail: tag` may override it). */
  failTag: string;
  /** Tag template for passing images; none when absent (a policy's `onPass.tag` may set one). */
  passTag?: string;
  /**
   * Pass tags (`passTag`, `onPass.tag`) go on `warn` images too: a warning (no HEALTHCHECK) says
   * something to fix, not that the image is unfit; the tag action names the warnings.
   */
  passTagOnWarn: boolean;
  /** Store the verdict as an OCI artifact referring to the image. */
  attachReport: boolean;
  notify: NotifyTargetConfig[];
}

export interface WorkersConfig {
  /** Images inspected at once per worker process. */
  inspectConcurrency: number;
  /** Enforcement jobs at once per worker process. */
  enforceConcurrency: number;
  /**
   * Where inspection runs: a forked child process (default) or a worker thread (needs compiled JS;
   * it shares the worker's process and scans without the faster GC, `src/facts/scan-heap-growth.ts`).
   */
  sandbox: 'process' | 'thread';
  /** Attempts per job before it fails for good (transient errors only). */
  attempts: number;
  /** First retry delay; doubles each attempt. */
  backoffMs: number;
  /** How long a worker's lock on a job lasts without renewal; a killed worker's job restarts after this. */
  lockDurationMs: number;
  /** How often stalled jobs are looked for. */
  stalledIntervalMs: number;
  /**
   * How long a stopping worker lets its running jobs finish (default: `limits.scanTimeoutMs`, as
   * long as one scan may take); inspections still running then are handed back (stopped unrecorded;
   * their lock lapses and a worker runs them again).
   */
  shutdownGraceMs?: number;
}

export interface LimitsConfig {
  /** Wall clock allowed for one image's inspection. */
  scanTimeoutMs: number;
  /** Uncompressed bytes per layer. */
  maxLayerBytes: number;
  /** Tar entries per layer. */
  maxLayerEntries: number;
  /** Layers per image. */
  maxLayers: number;
  /** Bytes per image: sum of compressed layer sizes, and separately of uncompressed bytes. */
  maxImageBytes: number;
  /** Least a registry body must deliver per second, averaged over `bodyStallWindowMs` (0: off). */
  minBodyBytesPerSecond: number;
  /** The window of `minBodyBytesPerSecond`. */
  bodyStallWindowMs: number;
}

export interface SecretsConfig {
  /** HMAC key for secret fingerprints (so equal secrets can be correlated without storing them). */
  fingerprintKey: string;
}

export type AdmissionAnswerSetting = 'deny' | 'warn' | 'allow';

/** The Kubernetes admission webhook (`admission` in the config file; off by default). */
export interface AdmissionConfig {
  enabled: boolean;
  port: number;
  host: string;
  tls?: { certFile: string; keyFile: string; pollIntervalMs: number };
  mode: 'enforce' | 'audit';
  maxBodyBytes: number;
  /** Time pushgate gives itself to answer one review (well under the webhook's timeoutSeconds). */
  deadlineMs: number;
  errorVerdicts: AdmissionAnswerSetting;
  unknownImages: AdmissionAnswerSetting;
  unconfiguredRegistries: AdmissionAnswerSetting;
  onUnavailable: 'deny' | 'allow';
  exemptNamespaces: string[];
  exemptImages: string[];
  mutate: { enabled: boolean };
  protectAdmittedDays: number;
}
