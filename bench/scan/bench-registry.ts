import { startRegistry } from '../../test/support/registry.js';

export interface BenchRegistry {
  url: string;
  /** `127.0.0.1:PORT`, for image references. */
  host: string;
  /**
   * Ids of the successful GET requests for any of `digests` the registry has logged so far. Ids,
   * not a count, because the shared helper keeps only the tail of the log.
   */
  blobGetIds(digests: ReadonlySet<string>): Set<string>;
  stop(): Promise<void>;
}

// distribution at log level info writes one "response completed" line per request.
const REQUEST_LINE = /msg="response completed[^"]*".*$/gm;

function field(line: string, name: string): string | undefined {
  const m = new RegExp(`${name.replace(/\./g, '\\.')}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`).exec(line);
  if (!m) return undefined;
  return m[1].startsWith('"') ? m[1].slice(1, -1) : m[1];
}

/**
 * The CNCF distribution registry from the shared test helper, plus a way to count blob downloads
 * from its request log (so the warm scan can be shown to download nothing).
 */
export async function startBenchRegistry(): Promise<BenchRegistry> {
  const registry = await startRegistry();
  return {
    url: registry.url,
    host: registry.host,
    blobGetIds(digests) {
      const ids = new Set<string>();
      for (const match of registry.logs().matchAll(REQUEST_LINE)) {
        const line = match[0];
        if (field(line, 'http.request.method') !== 'GET' || field(line, 'http.response.status') !== '200')
          continue;
        const uri = field(line, 'http.request.uri') ?? '';
        const digest = uri.split('/blobs/')[1];
        const id = field(line, 'http.request.id');
        if (digest !== undefined && digests.has(digest) && id !== undefined) ids.add(id);
      }
      return ids;
    },
    stop: () => registry.stop(),
  };
}
