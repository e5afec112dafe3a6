import { errorFields, type Logger } from '../logger.js';
import { readTlsPair, validateTlsPair, type TlsPair, type TlsPairInfo } from './tls-pair.js';

export type ReloadOutcome = 'unchanged' | 'reloaded' | 'refused';

export interface CertificateReloaderOptions {
  tls: { certFile: string; keyFile: string; pollIntervalMs: number };
  /** The pair serving now (read and validated at startup). */
  current: TlsPair;
  /** Puts a validated pair into service (`server.setSecureContext`). */
  apply(pair: TlsPair): void;
  logger: Logger;
}

/**
 * Polls the certificate files and swaps a new, valid pair in. Polling by content hash, not
 * fs.watch: the kubelet updates a Secret volume by writing a new timestamped directory and renaming
 * the `..data` symlink, which watchers on the visible file names do not see. A pair that fails
 * validation is refused once (one warning per distinct content) and the old pair keeps serving; the
 * next poll tries again, so a cert/key pair read across a swap is picked up whole a poll later.
 */
export class CertificateReloader {
  readonly #options: CertificateReloaderOptions;
  #currentHash: string;
  #refusedHash: string | undefined;
  #readFailure: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReloadOutcome> | undefined;

  constructor(options: CertificateReloaderOptions) {
    this.#options = options;
    this.#currentHash = options.current.hash;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.check(), this.#options.tls.pollIntervalMs);
    // The poller alone never keeps the process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One poll; concurrent calls share it. Never throws. */
  check(): Promise<ReloadOutcome> {
    this.#running ??= this.#check().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #check(): Promise<ReloadOutcome> {
    const { logger } = this.#options;
    let pair: TlsPair;
    try {
      pair = await readTlsPair(this.#options.tls);
    } catch (err) {
      const fields = errorFields(err);
      // A file missing for one poll is what a non-atomic writer leaves behind: said once, not every poll.
      if (this.#readFailure !== fields.err) {
        this.#readFailure = fields.err;
        logger.warn(
          fields,
          'admission TLS: cannot read the certificate files; the current pair keeps serving',
        );
      }
      return 'refused';
    }
    this.#readFailure = undefined;
    if (pair.hash === this.#currentHash) return 'unchanged';
    if (pair.hash === this.#refusedHash) return 'refused';
    let info: TlsPairInfo;
    try {
      info = validateTlsPair(pair);
      this.#options.apply(pair);
    } catch (err) {
      this.#refusedHash = pair.hash;
      logger.warn(errorFields(err), 'admission TLS: new certificate refused; the current pair keeps serving');
      return 'refused';
    }
    this.#currentHash = pair.hash;
    this.#refusedHash = undefined;
    logger.info(info, 'admission TLS: new certificate in use');
    return 'reloaded';
  }
}
