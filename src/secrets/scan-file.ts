import { isAllowedValue, isReference } from './allow-rules.js';
import { credentialParserFor } from './credential-files/index.js';
import { scanText } from './scan-text.js';
import { sniffBinary } from './sniff-binary.js';

/** A secret found in one file. In memory only: the extractor redacts it at once. */
export interface FileSecret {
  rule: string;
  value: string;
  key?: string;
  line?: number;
}

/**
 * Scans one file's content: its credential-file parser when its path names one (always, even if
 * the content looks binary), then, for text, every pattern rule. Returns `'binary'` for content
 * the sniffer calls binary (and no parser claims). A value is reported once per file; parser
 * findings come first, so `_authToken=npm_…` in .npmrc is an npmrc finding.
 */
export function scanFile(path: string, content: Buffer): FileSecret[] | 'binary' {
  const found: FileSecret[] = [];
  const seen = new Set<string>();
  const parser = credentialParserFor(path, path.slice(path.lastIndexOf('/') + 1));
  if (parser) {
    for (const hit of parser.parse(content.toString('utf8'))) {
      if (seen.has(hit.value) || isAllowedValue(hit.value) || isReference(hit.value)) continue;
      seen.add(hit.value);
      found.push({ rule: hit.rule, value: hit.value, key: hit.key, ...(hit.line ? { line: hit.line } : {}) });
    }
  } else if (sniffBinary(content)) {
    return 'binary';
  }
  for (const match of scanText(content)) {
    if (seen.has(match.value)) continue;
    seen.add(match.value);
    found.push({
      rule: match.rule.id,
      value: match.value,
      ...(match.key !== undefined ? { key: match.key } : {}),
      line: match.line,
    });
  }
  return found;
}
