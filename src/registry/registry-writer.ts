import type { Readable } from 'node:stream';
import { PushgateError, withContext } from '../errors.js';
import { printable } from '../escape-text.js';
import { digestOf, verifyBuffer } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { checkDigestReference, checkManifestReference, checkRepository, pullScope } from './check-request.js';
import { registryErrorFrom } from './registry-error.js';
import { RegistryReader } from './registry-reader.js';
import { discardBody, headerValue, type HttpResponse } from './transport.js';

export interface PutManifestResult {
  digest: string;
  /** `OCI-Subject` of the answer: set when the registry indexed the manifest's `subject` (referrers API). */
  ociSubject?: string;
}

/** How a blob got into the target repository. */
export type MountResult = 'mounted' | 'copied';

/**
 * The registry client that also writes: deletes manifests, pushes manifests and blobs, mounts blobs
 * across repositories. Only `src/actions` is handed one (through the service's RegistryClients), so
 * "only actions write to registries" holds by types: every other caller holds a RegistryReader.
 */
export class RegistryWriter extends RegistryReader {
  /** Deletes a manifest by digest (the registry must have deletes enabled). */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const what = `delete manifest ${this.describe(repository, digest)}`;
    checkRepository(repository, what);
    checkDigestReference(digest, what);
    const response = await this.call({
      method: 'DELETE',
      path: `${repository}/manifests/${digest}`,
      scopes: [`repository:${repository}:delete`],
      what,
    });
    if (response.status === 202 || response.status === 200 || response.status === 204) {
      await discardBody(response.body);
      return;
    }
    const error = await registryErrorFrom(response, what);
    if (response.status === 405) {
      throw new PushgateError('REGISTRY_ERROR', `${error.message} — deletes are disabled on this registry`, {
        details: error.details,
      });
    }
    throw error;
  }

  /**
   * Uploads manifest bytes under `reference` (a tag, or the digest itself) and returns their digest.
   * The referenced blobs must already be in the repository. The registry's Docker-Content-Digest,
   * when present, must equal the digest of the bytes sent.
   */
  async putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    return (await this.putManifestDetails(repository, reference, body, mediaType)).digest;
  }

  /**
   * `putManifest` that also reports the registry's `OCI-Subject` answer, which tells a client
   * pushing a manifest with a `subject` whether it must maintain the referrers fallback tag.
   */
  async putManifestDetails(
    repository: string,
    reference: string,
    body: Buffer,
    mediaType: string,
  ): Promise<PutManifestResult> {
    const what = `push manifest ${this.describe(repository, reference)}`;
    checkRepository(repository, what);
    const byDigest = checkManifestReference(reference, what);
    if (body.length > MAX_MANIFEST_BYTES) {
      throw new PushgateError(
        'BODY_TOO_LARGE',
        `${what}: ${body.length} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit`,
      );
    }
    const digest = byDigest ? reference : digestOf(body);
    if (byDigest) verifyBuffer(body, reference, `${what}: content`);
    const response = await this.call({
      method: 'PUT',
      path: `${repository}/manifests/${reference}`,
      headers: { 'content-type': mediaType },
      body,
      scopes: [`repository:${repository}:pull,push`],
      what,
    });
    if (response.status < 200 || response.status > 299) throw await registryErrorFrom(response, what);
    await discardBody(response.body);
    checkStoredDigest(response, digest, what);
    const ociSubject = headerValue(response.headers, 'oci-subject');
    return { digest, ...(ociSubject !== undefined && ociSubject !== '' ? { ociSubject } : {}) };
  }

  /**
   * Uploads a small blob (report, empty config) with one POST and one monolithic PUT; returns its
   * digest and size. Refused above 4 MiB: large content is mounted or streamed, not buffered.
   */
  async uploadBlob(repository: string, data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = digestOf(data);
    const what = `push blob ${this.describe(repository, digest)}`;
    checkRepository(repository, what);
    if (data.length > MAX_MANIFEST_BYTES) {
      throw new PushgateError(
        'BODY_TOO_LARGE',
        `${what}: ${data.length} bytes exceeds the ${MAX_MANIFEST_BYTES}-byte limit for uploaded blobs`,
      );
    }
    const scopes = [`repository:${repository}:pull,push`];
    const start = await this.call({ method: 'POST', path: `${repository}/blobs/uploads/`, scopes, what });
    if (start.status !== 202) throw await registryErrorFrom(start, what);
    await this.completeUpload(start, data, digest, scopes, what);
    return { digest, size: data.length };
  }

  /**
   * Makes blob `digest` of `fromRepository` available in `toRepository` on the same registry by a
   * cross-repository mount (no bytes move). A registry that answers 202 started an ordinary upload
   * instead (mount unsupported, or the source not readable as such): the blob is then read from
   * the source, verified, and uploaded into that session. `size`, when known, saves a HEAD.
   */
  async mountBlob(
    toRepository: string,
    fromRepository: string,
    digest: string,
    size?: number,
  ): Promise<MountResult> {
    const what = `mount blob ${digest} from ${this.registry}/${printable(fromRepository, 256)} into ${this.registry}/${printable(toRepository, 256)}`;
    checkRepository(toRepository, what);
    checkRepository(fromRepository, what);
    checkDigestReference(digest, what);
    const scopes = [`repository:${toRepository}:pull,push`, pullScope(fromRepository)];
    const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`;
    const start = await this.call({
      method: 'POST',
      path: `${toRepository}/blobs/uploads/${query}`,
      scopes,
      what,
    });
    if (start.status === 201) {
      await discardBody(start.body);
      return 'mounted';
    }
    if (start.status !== 202) throw await registryErrorFrom(start, what);
    let blobSize: number;
    try {
      blobSize = size ?? (await this.blobSize(fromRepository, digest));
    } catch (err) {
      await discardBody(start.body);
      throw withContext(`${what} (mount refused, copying)`, err);
    }
    // Streamed from the source into the upload session, verified on the way: never buffered.
    const source = { size: blobSize, open: () => this.getBlob(fromRepository, { digest, size: blobSize }) };
    await this.completeUpload(start, source, digest, scopes, `${what} (mount refused, copying)`);
    return 'copied';
  }

  /** The size of a blob from a HEAD request. */
  private async blobSize(repository: string, digest: string): Promise<number> {
    const what = `stat blob ${this.describe(repository, digest)}`;
    const response = await this.call({
      method: 'HEAD',
      path: `${repository}/blobs/${digest}`,
      scopes: [pullScope(repository)],
      what,
    });
    if (response.status !== 200) throw await registryErrorFrom(response, what);
    await discardBody(response.body);
    const size = Number(headerValue(response.headers, 'content-length') ?? NaN);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new PushgateError('REGISTRY_ERROR', `${what}: no usable Content-Length`);
    }
    return size;
  }

  /** Finishes an upload session (a 202 with a Location) with one monolithic PUT of `data`. */
  private async completeUpload(
    start: HttpResponse,
    data: Buffer | { size: number; open: () => Promise<Readable> },
    digest: string,
    scopes: string[],
    what: string,
  ): Promise<void> {
    await discardBody(start.body);
    const location = headerValue(start.headers, 'location');
    if (location === undefined || location === '') {
      throw new PushgateError('REGISTRY_ERROR', `${what}: upload started without a Location`);
    }
    let target: URL;
    try {
      target = new URL(location, start.url);
    } catch {
      throw new PushgateError('REGISTRY_ERROR', `${what}: invalid upload Location "${printable(location)}"`);
    }
    // The session URL carries state but must stay on the registry: credentials go with it.
    if (!this.guard.isRegistryOrigin(target)) {
      throw new PushgateError(
        'SSRF_BLOCKED',
        `${what}: upload Location on another origin (${printable(target.origin)}) refused`,
      );
    }
    target.searchParams.set('digest', digest);
    const put = await this.call({
      method: 'PUT',
      path: target,
      headers: {
        'content-type': 'application/octet-stream',
        // A buffer's length undici knows; a stream's must be declared (monolithic uploads need it).
        ...(Buffer.isBuffer(data) ? {} : { 'content-length': String(data.size) }),
      },
      body: Buffer.isBuffer(data) ? data : data.open,
      scopes,
      what,
    });
    if (put.status !== 201 && put.status !== 204) throw await registryErrorFrom(put, what);
    await discardBody(put.body);
    checkStoredDigest(put, digest, what);
  }
}

/** The registry's Docker-Content-Digest for what it stored, when it sends one, must be ours. */
function checkStoredDigest(response: HttpResponse, digest: string, what: string): void {
  const answered = headerValue(response.headers, 'docker-content-digest');
  if (answered !== undefined && answered !== digest) {
    throw new PushgateError(
      'DIGEST_MISMATCH',
      `${what}: registry stored ${printable(answered)}, expected ${digest}`,
    );
  }
}
