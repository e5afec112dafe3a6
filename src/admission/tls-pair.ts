import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { PushgateError } from '../errors.js';
import { printable } from '../escape-text.js';

/** A certificate chain and its key as read from `admission.tls`, with a hash of both. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** sha256 over both files: what the poller compares, since mtimes and watchers miss symlink swaps. */
  hash: string;
}

/** What a validated pair is, for logs (never the key). */
export interface TlsPairInfo {
  subject: string;
  fingerprint256: string;
  validFrom: string;
  validTo: string;
}

async function readPem(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new PushgateError(
      'CONFIG_INVALID',
      `admission.tls.${field}: cannot read ${printable(path)}: ${typeof code === 'string' ? code : String(err)}`,
      { cause: err },
    );
  }
}

/** Reads both files (following symlinks, as a Secret volume's `..data` swap needs). */
export async function readTlsPair(tls: { certFile: string; keyFile: string }): Promise<TlsPair> {
  const [cert, key] = await Promise.all([readPem(tls.certFile, 'certFile'), readPem(tls.keyFile, 'keyFile')]);
  const hash = createHash('sha256')
    .update(createHash('sha256').update(cert).digest())
    .update(createHash('sha256').update(key).digest())
    .digest('hex');
  return { cert, key, hash };
}

function invalid(message: string, cause?: unknown): PushgateError {
  return new PushgateError('CONFIG_INVALID', `admission.tls: ${message}`, cause ? { cause } : {});
}

function reason(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err));
}

/**
 * Checks a pair before it serves: the certificate parses, the key parses and belongs to it, the
 * certificate is valid now, and Node's TLS accepts the two together. A half-written or mismatched
 * pair (cert-manager writes the Secret's keys one after the other) is refused, never served.
 */
export function validateTlsPair(pair: TlsPair, now = new Date()): TlsPairInfo {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch (err) {
    throw invalid(`the certificate is not a PEM X.509 certificate: ${reason(err)}`, err);
  }
  let key;
  try {
    key = createPrivateKey(pair.key);
  } catch (err) {
    throw invalid(
      `the key is not a PEM private key (an encrypted key is not supported): ${reason(err)}`,
      err,
    );
  }
  if (!certificate.checkPrivateKey(key)) {
    throw invalid(`the key does not belong to the certificate (subject ${printable(certificate.subject)})`);
  }
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (now.getTime() > validTo.getTime()) {
    throw invalid(`the certificate expired on ${validTo.toISOString()}`);
  }
  if (now.getTime() < validFrom.getTime()) {
    throw invalid(`the certificate is not valid before ${validFrom.toISOString()}`);
  }
  try {
    createSecureContext({ cert: pair.cert, key: pair.key });
  } catch (err) {
    throw invalid(`TLS refuses the pair: ${reason(err)}`, err);
  }
  return {
    subject: printable(certificate.subject.replace(/\n/g, ', ')),
    fingerprint256: certificate.fingerprint256,
    validFrom: validFrom.toISOString(),
    validTo: validTo.toISOString(),
  };
}
