import { PushgateError } from '../errors.js';
import { jsonSyntaxProblem } from '../json-syntax.js';
import { isWellFormedDigest } from './digest.js';
import type { Descriptor, ImageConfig, Platform } from './types.js';
import { isImageManifestMediaType, isIndexMediaType, isSchema1MediaType } from './media-types.js';
import { isRecord } from '../is-record.js';

/**
 * Manifests, indexes and configs are read into memory; larger ones are refused (distribution's PUT
 * limit, c/image's read limit). Every source and the registry client use this one cap.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw invalid(`${where} is not an object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${where}.mediaType is missing`);
  if (typeof digest !== 'string' || !isWellFormedDigest(digest)) {
    throw invalid(`${where}.digest is not a digest`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`${where}.size is not a non-negative integer`);
  }
  const descriptor: Descriptor = { mediaType, digest, size };
  const annotations = stringMap(value.annotations, `${where}.annotations`);
  if (annotations) descriptor.annotations = annotations;
  if (value.platform != null) descriptor.platform = parsePlatform(value.platform, `${where}.platform`);
  if (typeof value.artifactType === 'string') descriptor.artifactType = value.artifactType;
  if (Array.isArray(value.urls))
    descriptor.urls = value.urls.filter((u): u is string => typeof u === 'string');
  return descriptor;
}

/** Go's map[string]string: null reads as absent, a null value as ""; any other type is refused. */
function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value == null) return undefined;
  if (!isRecord(value)) throw invalid(`${where} is not an object`);
  const map: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v !== 'string') throw invalid(`${where} has a value that is not a string`);
    map[key] = v ?? '';
  }
  return map;
}

function parsePlatform(value: unknown, where: string): Platform {
  if (!isRecord(value)) throw invalid(`${where} is not an object`);
  const field = (key: string): string | undefined => {
    const v = value[key];
    if (v != null && typeof v !== 'string') throw invalid(`${where}.${key} is not a string`);
    return v ?? undefined;
  };
  const platform: Platform = { os: field('os') ?? '', architecture: field('architecture') ?? '' };
  const variant = field('variant');
  if (variant) platform.variant = variant;
  const osVersion = field('os.version');
  if (osVersion) platform['os.version'] = osVersion;
  return platform;
}

function invalid(message: string): PushgateError {
  return new PushgateError('MANIFEST_INVALID', message);
}

/**
 * Parses manifest bytes into an index or an image manifest. `contentType` is what the transport
 * said (HTTP Content-Type, descriptor mediaType); the body's own `mediaType` wins when present.
 * Docker schema1 is refused with a clear error.
 */
export function parseManifest(body: Buffer, contentType?: string): ImageManifest | ImageIndex {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PushgateError('MANIFEST_INVALID', `manifest is not valid JSON: ${jsonSyntaxProblem(err)}`);
  }
  if (!isRecord(json)) throw invalid('manifest is not a JSON object');
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const transport = contentType?.split(';')[0].trim();
  if (json.schemaVersion === 1 || isSchema1MediaType(declared) || isSchema1MediaType(transport)) {
    throw new PushgateError(
      'MANIFEST_UNSUPPORTED',
      'Docker schema1 manifests are not supported (deprecated since 2017); push the image again with a current client',
    );
  }
  const mediaType =
    declared ??
    (transport && (isIndexMediaType(transport) || isImageManifestMediaType(transport))
      ? transport
      : undefined) ??
    (Array.isArray(json.manifests) ? 'application/vnd.oci.image.index.v1+json' : undefined) ??
    (isRecord(json.config) ? 'application/vnd.oci.image.manifest.v1+json' : undefined);
  if (mediaType === undefined) throw invalid('manifest has no mediaType and no recognisable shape');
  const annotations = stringMap(json.annotations, 'annotations');

  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(json.manifests)) throw invalid('index has no manifests array');
    const manifests = json.manifests.map((m, i) => parseDescriptor(m, `manifests[${i}]`));
    return { kind: 'index', mediaType, manifests, annotations };
  }
  if (isImageManifestMediaType(mediaType)) {
    const config = parseDescriptor(json.config, 'config');
    if (!Array.isArray(json.layers)) throw invalid('manifest has no layers array');
    const layers = json.layers.map((l, i) => parseDescriptor(l, `layers[${i}]`));
    const subject = json.subject === undefined ? undefined : parseDescriptor(json.subject, 'subject');
    const artifactType = typeof json.artifactType === 'string' ? json.artifactType : undefined;
    return { kind: 'manifest', mediaType, config, layers, annotations, subject, artifactType };
  }
  throw new PushgateError(
    'MANIFEST_UNSUPPORTED',
    `manifest media type ${mediaType} is not an image or an index`,
  );
}

export function platformOf(config: ImageConfig, fallback?: Platform): Platform {
  return {
    os: config.os ?? fallback?.os ?? 'unknown',
    architecture: config.architecture ?? fallback?.architecture ?? 'unknown',
    ...(config.variant
      ? { variant: config.variant }
      : fallback?.variant
        ? { variant: fallback.variant }
        : {}),
  };
}

export function formatPlatform(platform: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
