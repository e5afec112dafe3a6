import { isPushgateError, PushgateError, withContext } from '../errors.js';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { isRecord } from '../is-record.js';
import { digestOf } from '../oci/digest.js';
import { referrersTag } from '../registry/registry-reader.js';
import type { RegistryWriter } from '../registry/registry-writer.js';
import type { ActionRecord, ImageRecord } from '../store/types.js';
import type { ActionHandler } from './action-handler.js';

/** `artifactType` (and layer media type) of pushgate's verdict artifacts. */
export const VERDICT_ARTIFACT_TYPE = 'application/vnd.pushgate.verdict.v1+json';
export const DECISION_ANNOTATION = 'dev.pushgate.decision';
export const POLICY_SET_ANNOTATION = 'dev.pushgate.policy-set';
const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** The OCI empty descriptor (image-spec manifest.md "Guidance for an Empty Descriptor"). */
export const EMPTY_CONFIG = {
  mediaType: MediaType.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

/** The verdict as stored in the artifact: the image record without its facts summary. */
export function verdictDocument(record: ImageRecord, done: readonly ActionRecord[]): Record<string, unknown> {
  const { facts: _facts, ...rest } = record;
  return { ...rest, actions: [...rest.actions, ...done] };
}

/**
 * Stores the verdict as an OCI artifact referring to the image: an image manifest with
 * `artifactType`, the empty config, one layer holding the verdict JSON and `subject` = the image.
 * A registry with the referrers API says so with `OCI-Subject`; otherwise (CNCF distribution 2.8,
 * Docker Hub…) the referrers fallback index tagged `sha256-<hex>` is updated by read-modify-write:
 * other referrers stay, an older pushgate verdict for the image is replaced. Concurrent writers of
 * that index can lose each other's entry (the spec leaves races to clients).
 */
export const attachReport: ActionHandler<'attach'> = {
  kind: 'attach',
  async perform(action, { client, record, done, now }) {
    const { repository } = action;
    const head = await client.headManifest(repository, action.digest);
    const subject = { mediaType: head.mediaType, digest: head.digest, size: head.size };
    const report = await client.uploadBlob(
      repository,
      Buffer.from(JSON.stringify(verdictDocument(record, done))),
    );
    const empty = await client.uploadBlob(repository, Buffer.from(EMPTY_CONFIG.data, 'base64'));
    if (empty.digest !== EMPTY_CONFIG.digest) {
      throw new PushgateError('INTERNAL', `attach verdict: the empty config has digest ${empty.digest}`);
    }
    const annotations = {
      [CREATED_ANNOTATION]: now().toISOString(),
      [DECISION_ANNOTATION]: record.decision,
      [POLICY_SET_ANNOTATION]: record.policySetVersion,
    };
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: VERDICT_ARTIFACT_TYPE,
        config: EMPTY_CONFIG,
        layers: [{ mediaType: VERDICT_ARTIFACT_TYPE, digest: report.digest, size: report.size }],
        subject,
        annotations,
      }),
    );
    const pushed = await client.putManifestDetails(
      repository,
      digestOf(manifest),
      manifest,
      MediaType.ociManifest,
    );
    if (pushed.ociSubject !== undefined) {
      return { outcome: 'done', note: `artifact ${pushed.digest}, listed by the referrers API` };
    }
    const descriptor = {
      mediaType: MediaType.ociManifest,
      digest: pushed.digest,
      size: manifest.length,
      artifactType: VERDICT_ARTIFACT_TYPE,
      annotations,
    };
    const tag = await updateFallbackIndex(client, repository, subject.digest, descriptor);
    return { outcome: 'done', note: `artifact ${pushed.digest}, listed in the fallback index ${tag}` };
  },
};

/** Read-modify-write of the referrers fallback index for `subjectDigest`; returns its tag. */
async function updateFallbackIndex(
  client: RegistryWriter,
  repository: string,
  subjectDigest: string,
  ours: { digest: string; artifactType: string },
): Promise<string> {
  const tag = referrersTag(subjectDigest);
  const what = `update referrers fallback index ${client.registry}/${repository}:${tag}`;
  let entries: Record<string, unknown>[] = [];
  try {
    const current = await client.getManifest(repository, tag);
    entries = indexEntries(current.body, current.mediaType, what);
  } catch (err) {
    if (!(isPushgateError(err) && err.code === 'REGISTRY_NOT_FOUND')) throw err;
  }
  const kept = entries.filter(
    (entry) => entry.artifactType !== VERDICT_ARTIFACT_TYPE && entry.digest !== ours.digest,
  );
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...kept, ours] }),
  );
  await client.putManifest(repository, tag, index, MediaType.ociIndex);
  return tag;
}

/** The raw entries of an existing fallback index, kept verbatim (fields we do not know included). */
function indexEntries(body: Buffer, mediaType: string, what: string): Record<string, unknown>[] {
  let parsed;
  try {
    parsed = parseManifest(body, mediaType);
  } catch (err) {
    throw withContext(what, err);
  }
  if (parsed.kind !== 'index') {
    // The tag schema reserves this tag for the index; an image there is someone else's mistake.
    throw new PushgateError('MANIFEST_INVALID', `${what}: the tag holds an image manifest, not an index`);
  }
  const json: unknown = JSON.parse(body.toString('utf8'));
  const manifests = isRecord(json) && Array.isArray(json.manifests) ? json.manifests : [];
  return manifests.filter(isRecord);
}
