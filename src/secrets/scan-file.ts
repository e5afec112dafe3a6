import { isAllowedValue, isReference } from './allow-rules.js';
import { credentialParserFor } from './credential-files/index.js';
import { decodeUtf16, utf16Bom } from './decode-utf16.js';
import { scanBinary } from './scan-binary.js';
import { scanText } from './scan-text.js';
import { SNIFF_BYTES, sniffBinary } from './sniff-binary.js';

/** A secret found in one file. In memory only: the extractor redacts it at once. */
export interface FileSecret {
  rule: string;
  value: string;
  key?: string;
  /** 1-based line; absent for binaries. */
  line?: number;
}

/**
 * How a file was read: `text` and `utf16` (decoded first) by every text rule, `binary` by the
 * rules marked `binary` only.
 */
export type FileKind = 'text' | 'binary' | 'utf16';

export interface FileScan {
  kind: FileKind;
  secrets: FileSecret[];
}

/**
 * Decides how to read a file from its head: a UTF-16 byte-order mark whose decoded text sniffs
 * as text → `utf16`; otherwise the sniffer's answer on the raw bytes.
 */
export function fileKindOf(head: Uint8Array): FileKind {
  const order = utf16Bom(head);
  if (order !== undefined && !sniffBinary(decodeUtf16(head.subarray(0, 2 * SNIFF_BYTES), order)))
    return 'utf16';
  return sniffBinary(head) ? 'binary' : 'text';
}

/**
 * Scans one file's content: UTF-16 (with a BOM) is decoded first; then its credential-file parser
 * when its path names one (always, even if the content looks binary), then, for text, every text
 * rule, and for a binary, the binary rules. A value is reported once per file; parser findings
 * come first, so `_authToken=npm_…` in .npmrc is an npmrc finding.
 */
export function scanFile(path: string, content: Buffer): FileScan {
  let kind = fileKindOf(content);
  const order = kind === 'utf16' ? utf16Bom(content) : undefined;
  const text = order === undefined ? content : decodeUtf16(content, order);
  const found: FileSecret[] = [];
  const seen = new Set<string>();
  const parser = credentialParserFor(path, path.slice(path.lastIndexOf('/') + 1));
  if (parser) {
    for (const hit of parser.parse(text.toString('utf8'))) {
      if (seen.has(hit.value) || isAllowedValue(hit.value) || isReference(hit.value)) continue;
      seen.add(hit.value);
      found.push({ rule: hit.rule, value: hit.value, key: hit.key, ...(hit.line ? { line: hit.line } : {}) });
    }
    // A credential file is read as text whatever its bytes look like.
    if (kind === 'binary') kind = 'text';
  } else if (kind === 'binary') {
    for (const match of scanBinary(content)) {
      found.push({
        rule: match.rule.id,
        value: match.value,
        ...(match.key !== undefined ? { key: match.key } : {}),
      });
    }
    return { kind, secrets: found };
  }
  for (const match of scanText(text)) {
    if (seen.has(match.value)) continue;
    seen.add(match.value);
    found.push({
      rule: match.rule.id,
      value: match.value,
      ...(match.key !== undefined ? { key: match.key } : {}),
      line: match.line,
    });
  }
  return { kind, secrets: found };
}
