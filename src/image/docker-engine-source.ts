import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import Dockerode from 'dockerode';

import { PushgateError, isPushgateError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { ThroughputGuard } from '../throughput/throughput-guard.js';
import {
  DEFAULT_THROUGHPUT_LIMITS,
  describeStall,
  type ThroughputLimits,
} from '../throughput/throughput-watch.js';
import { DockerArchiveSource, normaliseRepoTag } from './docker-archive-source.js';
import { parseImageName } from './image-names.js';
import { DEFAULT_MAX_IMAGE_BYTES } from './image-limits.js';
import { printable } from '../escape-text.js';
import type { ImageName, ImageSource, PlatformFilter, ResolvedImage } from './types.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerEngineSourceOptions {
  /** A ready client; wins over `socketPath`. */
  docker?: Dockerode;
  /** The engine's unix socket (the CLI resolves DOCKER_HOST); default `/var/run/docker.sock`. */
  socketPath?: string;
  /** Where the `docker save` stream is spooled; default the OS temp dir. */
  tempDir?: string;
  /** How results name the image; default `docker://<name>`. */
  reference?: string;
  /**
   * Most bytes of the `docker save` stream spooled to disk (`limits.maxImageBytes`); more is a
   * LAYER_LIMIT error and the spool is removed. Default 64 GiB.
   */
  maxImageBytes?: number;
  /** Least the engine's answers must deliver (headers, then body); default 1 KiB/s over 60 s. */
  throughput?: ThroughputLimits;
  /** Aborts the engine requests and the spool (a scan's deadline); they fail with its reason. */
  signal?: AbortSignal;
}

/** An inspect answer is a few KiB; a hostile engine's endless one is refused at this size. */
const MAX_INSPECT_BYTES = 16 * 1024 * 1024;

/** Passes bytes through until more than `max` have passed, then fails with `error()`. */
class ByteCap extends Transform {
  private seen = 0;
  constructor(
    private readonly max: number,
    private readonly error: (seen: number) => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      callback(this.error(this.seen));
      return;
    }
    callback(null, chunk);
  }
}

/** Repository part of a reference, in `RepoTags`/`RepoDigests` spelling (`nginx`, `reg:5000/team/app`). */
function repositoryOf(name: string): string {
  const at = name.indexOf('@');
  const withoutDigest = at === -1 ? name : name.slice(0, at);
  const tagged = normaliseRepoTag(withoutDigest);
  return tagged.slice(0, tagged.lastIndexOf(':'));
}

/**
 * The registry manifest digest an engine recorded for `name` (`RepoDigests`, set by pull/push):
 * the one for the same repository, else the only distinct one. Caveat: after pulling a
 * multi-platform tag Docker records the index digest here, not the platform manifest's.
 */
export function repoDigestFor(
  name: string,
  repoDigests: readonly string[] | null | undefined,
): string | undefined {
  const parsed = (repoDigests ?? [])
    .map((rd) => {
      const at = rd.lastIndexOf('@');
      return at === -1 ? undefined : { repository: repositoryOf(rd.slice(0, at)), digest: rd.slice(at + 1) };
    })
    .filter(
      (rd): rd is { repository: string; digest: string } => rd !== undefined && rd.digest.includes(':'),
    );
  const pinned = name.includes('@') ? name.slice(name.indexOf('@') + 1) : undefined;
  if (pinned && parsed.some((rd) => rd.digest === pinned)) return pinned;
  if (!/^(sha256:)?[a-f0-9]{12,64}$/.test(name)) {
    const repository = repositoryOf(name);
    const same = parsed.filter((rd) => rd.repository === repository);
    if (same.length > 0) return same[0].digest;
  }
  const distinct = [...new Set(parsed.map((rd) => rd.digest))];
  return distinct.length === 1 ? distinct[0] : undefined;
}

/**
 * The names to judge an engine image under: the name it was asked by, or, when it was asked by
 * id (`docker://3f2a…`, `docker://sha256:…`), every tag the engine gives it (`RepoTags`).
 */
export function engineNames(
  name: string,
  info: Pick<Dockerode.ImageInspectInfo, 'Id' | 'RepoTags'>,
  reference: string,
): ImageName[] {
  const tags = [...new Set(info.RepoTags ?? [])].filter((t) => t !== '<none>:<none>');
  const hex = name.startsWith('sha256:') ? name.slice('sha256:'.length) : name;
  const byId =
    /^[a-f0-9]{1,64}$/.test(hex) &&
    info.Id.startsWith(`sha256:${hex}`) &&
    !tags.some((t) => normaliseRepoTag(t) === normaliseRepoTag(name));
  if (!byId) {
    const asked = parseImageName(name, reference);
    return asked === undefined ? [] : [asked];
  }
  return tags.map((tag) => {
    const parsed = parseImageName(tag, `docker://${tag}`);
    // A name pushgate cannot read could be the one a policy is scoped to: refuse, never skip it.
    if (parsed === undefined) {
      throw new PushgateError(
        'DOCKER_ENGINE',
        `image ${printable(name)}: the engine tags it "${printable(tag)}", which is not an image name`,
      );
    }
    return parsed;
  });
}

interface EngineError {
  statusCode?: number;
  code?: string;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
}

function engineError(action: string, where: string, err: unknown): PushgateError {
  if (isPushgateError(err)) return err;
  const e = (err ?? {}) as EngineError;
  const detail = e.json?.message ?? e.reason ?? e.message ?? String(err);
  const unreachable =
    e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES' || e.code === 'ECONNRESET';
  const message = unreachable
    ? `${action}: cannot reach the Docker engine at ${where}: ${e.message ?? e.code}`
    : `${action}: Docker engine at ${where} answered${e.statusCode ? ` ${e.statusCode}` : ''}: ${detail}`;
  return new PushgateError('DOCKER_ENGINE', message, {
    cause: err,
    transient: unreachable || (e.statusCode !== undefined && e.statusCode >= 500),
  });
}

/**
 * An image in a Docker engine (`docker://NAME[:TAG]`), read through the engine API: inspect for a
 * clear not-found error, then `docker save` of the image id spooled to a temp file (streamed,
 * never buffered) and read as a `docker save` archive.
 */
export class DockerEngineSource implements ImageSource {
  readonly kind = 'docker' as const;
  private readonly docker: Dockerode;
  private readonly where: string;
  private readonly tempDirs = new Set<string>();
  private readonly throughput: ThroughputLimits;
  /** Aborted by close(): a spool still being written stops before its directory is removed. */
  private readonly closing = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly name: string,
    private readonly options: DockerEngineSourceOptions = {},
  ) {
    const socketPath = options.socketPath ?? DEFAULT_DOCKER_SOCKET;
    this.docker = options.docker ?? new Dockerode({ socketPath });
    const modem = (this.docker as unknown as { modem?: { socketPath?: unknown; host?: unknown } }).modem;
    this.where =
      options.socketPath ??
      (typeof modem?.socketPath === 'string'
        ? modem.socketPath
        : typeof modem?.host === 'string'
          ? modem.host
          : DEFAULT_DOCKER_SOCKET);
    this.throughput = options.throughput ?? DEFAULT_THROUGHPUT_LIMITS;
    this.signal =
      options.signal === undefined
        ? this.closing.signal
        : AbortSignal.any([options.signal, this.closing.signal]);
  }

  /** Why work stops: the caller's deadline (SCAN_TIMEOUT), else the source was closed. */
  private stopped(): PushgateError {
    const reason: unknown = this.signal.reason;
    if (isPushgateError(reason)) return reason;
    return new PushgateError('DOCKER_ENGINE', `image ${this.name}: reading stopped, the source was closed`, {
      cause: reason,
    });
  }

  private stallError(action: string, received: number): PushgateError {
    return new PushgateError(
      'DOCKER_ENGINE',
      `${action}: the Docker engine at ${this.where} stalled: ${describeStall(this.throughput, received)}`,
      { transient: true, details: { stalled: true, received } },
    );
  }

  /**
   * One engine request whose body the caller streams. dockerode's own calls take no signal and
   * no timeout, so an engine that never answers, or answers headers and then nothing, would hold
   * the scan forever: the headers must come within the stall window, and the body is guarded by
   * the minimum throughput.
   */
  private async engineStream(path: string, action: string): Promise<Readable> {
    if (this.signal.aborted) throw this.stopped();
    const attempt = new AbortController();
    const signal = AbortSignal.any([this.signal, attempt.signal]);
    const guarded = this.throughput.minBytesPerSecond > 0 && this.throughput.windowMs > 0;
    const headersTimer = guarded
      ? setTimeout(() => attempt.abort(this.stallError(action, 0)), this.throughput.windowMs)
      : undefined;
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        this.docker.modem.dial(
          {
            path,
            method: 'GET',
            isStream: true,
            abortSignal: signal,
            statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
          },
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as IncomingMessage)),
        );
      });
    } catch (err) {
      if (this.signal.aborted) throw this.stopped();
      if (attempt.signal.aborted) throw attempt.signal.reason as PushgateError;
      throw err;
    } finally {
      clearTimeout(headersTimer);
    }
    // From here the body is ours: the deadline and close() destroy it.
    const onAbort = (): void => {
      response.destroy(this.stopped());
    };
    this.signal.addEventListener('abort', onAbort, { once: true });
    response.once('close', () => this.signal.removeEventListener('abort', onAbort));
    const guard = new ThroughputGuard(this.throughput, (received) => this.stallError(action, received));
    response.once('error', (err) => guard.destroy(err));
    guard.once('close', () => {
      if (!response.destroyed) response.destroy();
    });
    return response.pipe(guard);
  }

  private async inspect(): Promise<Dockerode.ImageInspectInfo> {
    const action = `inspect image ${this.name}`;
    const body = await this.engineStream(`/images/${this.name}/json`, action);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_INSPECT_BYTES) {
        body.destroy();
        throw new PushgateError(
          'DOCKER_ENGINE',
          `${action}: the Docker engine at ${this.where} answered more than ${formatBytes(MAX_INSPECT_BYTES)}`,
        );
      }
      chunks.push(chunk);
    }
    let info: unknown;
    try {
      info = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new PushgateError(
        'DOCKER_ENGINE',
        `${action}: the Docker engine at ${this.where} answered no JSON`,
      );
    }
    if (typeof info !== 'object' || info === null || typeof (info as { Id?: unknown }).Id !== 'string') {
      throw new PushgateError(
        'DOCKER_ENGINE',
        `${action}: the Docker engine at ${this.where} answered no image id`,
      );
    }
    // Read as Go would: null lists are empty; anything but a list of strings is refused.
    const record = info as Record<string, unknown>;
    for (const key of ['RepoTags', 'RepoDigests'] as const) {
      const list = record[key];
      if (list === null || list === undefined) record[key] = [];
      else if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
        throw new PushgateError(
          'DOCKER_ENGINE',
          `${action}: the Docker engine at ${this.where} answered a ${key} that is not a list of names`,
        );
      }
    }
    return info as Dockerode.ImageInspectInfo;
  }

  /** `docker save` of `id` into `file`, capped by maxImageBytes. */
  private async save(id: string, file: string): Promise<void> {
    const action = `save image ${this.name} (${id})`;
    const max = this.options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    const body = await this.engineStream(`/images/${id}/get`, action);
    const cap = new ByteCap(
      max,
      () =>
        new PushgateError(
          'LAYER_LIMIT',
          `${action}: the image is larger than limits.maxImageBytes (${formatBytes(max)}, ${max} bytes); raise limits.maxImageBytes (pushgate scan: --max-image-bytes) to read it`,
          { details: { limit: 'maxImageBytes', maxImageBytes: max } },
        ),
    );
    await pipeline(body, cap, createWriteStream(file), { signal: this.signal });
  }

  async resolve(filter?: PlatformFilter): Promise<ResolvedImage> {
    const reference = this.options.reference ?? `docker://${this.name}`;
    let info: Dockerode.ImageInspectInfo;
    try {
      info = await this.inspect();
    } catch (err) {
      if ((err as EngineError)?.statusCode === 404) {
        throw new PushgateError(
          'DOCKER_ENGINE',
          `image ${this.name} not found in the Docker engine at ${this.where}`,
          {
            cause: err,
            details: { notFound: true },
          },
        );
      }
      throw engineError(`inspect image ${this.name}`, this.where, err);
    }

    if (this.signal.aborted) throw this.stopped();
    const dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'pushgate-docker-'));
    this.tempDirs.add(dir);
    try {
      const file = join(dir, 'image.tar');
      // Saved by id, so a tag moved in the meantime cannot swap the image under us.
      try {
        await this.save(info.Id, file);
      } catch (err) {
        if (this.signal.aborted) throw this.stopped();
        throw engineError(`save image ${this.name} (${info.Id})`, this.where, err);
      }
      const archive = new DockerArchiveSource(file, { reference });
      const resolved = await archive.resolve(filter);
      const manifestDigest = repoDigestFor(this.name, info.RepoDigests);
      for (const image of resolved.platforms) {
        // Classic engines use the config digest as image id; the containerd image store (Docker
        // ≥ 25) uses the manifest or index digest, and its archives carry that manifest.
        if (image.configDigest !== info.Id && image.manifestDigest === undefined) {
          throw new PushgateError(
            'DOCKER_ENGINE',
            `image ${this.name}: the engine at ${this.where} saved config ${image.configDigest}, expected ${info.Id}`,
            { transient: true },
          );
        }
        // The registry's digest wins over a manifest the engine synthesised when saving.
        if (manifestDigest && image.manifestDigest !== manifestDigest) {
          image.manifestDigest = manifestDigest;
          delete image.manifestMediaType;
          delete image.annotations;
        }
      }
      return { ...resolved, reference, source: 'docker', names: engineNames(this.name, info, reference) };
    } catch (err) {
      await this.removeDir(dir);
      throw err;
    }
  }

  private async removeDir(dir: string): Promise<void> {
    this.tempDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
  }

  /** Stops a spool in progress and removes the spooled archives; layers cannot be opened afterwards. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all([...this.tempDirs].map((dir) => this.removeDir(dir)));
  }
}
