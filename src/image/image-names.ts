import { parseReference } from '../oci/reference.js';
import type { ImageName } from './types.js';

/** Docker's "untagged" placeholder in `RepoTags` (older engines and archives). */
const NONE = '<none>:<none>';

/**
 * Reads a name an archive, layout or engine gives an image; `undefined` when it is no usable
 * name. It must parse as an image reference (`prod/app:1`, `registry.example.com/prod/app:1`,
 * `app` is `library/app:latest` as in Docker) — except that with `refName`, for an OCI layout's
 * `org.opencontainers.image.ref.name`, a name with neither `/`, `:` nor `@` is a tag alone
 * (image-spec annotations.md allows both; skopeo and Docker write the tag) and names no repository.
 */
export function parseImageName(
  text: string,
  reference: string,
  options: { refName?: boolean } = {},
): ImageName | undefined {
  if (text === '' || text === NONE) return undefined;
  if (options.refName === true && !/[/:@]/.test(text)) {
    return { text, reference, registry: '', tag: text };
  }
  let parsed;
  try {
    parsed = parseReference(text);
  } catch {
    return undefined;
  }
  // As in Docker, the first component names a registry only when it looks like a host.
  const first = text.includes('/') ? text.slice(0, text.indexOf('/')) : '';
  const spellsRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  return {
    text,
    reference,
    registry: spellsRegistry ? parsed.registry : '',
    repository: parsed.repository,
    ...(parsed.tag !== undefined ? { tag: parsed.tag } : {}),
  };
}
