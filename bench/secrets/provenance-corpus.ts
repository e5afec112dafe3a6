/**
 * The provenance cases of issue 12 as one image, for bench/secrets/compare.ts: vendor keys in the
 * Debian Go sources (with their real dpkg md5sums), a packaged file edited to hold a key, a Go
 * binary with a compiled-in AWS key, dependency fixtures with a test key and with a live key, a
 * UTF-16 `.env`, and a 3 MiB text file with a token at its end. Each file is labelled with whether
 * it should block an image (a user secret, or a live format anywhere); pushgate's answer is
 * whether the scan put a finding for that file in `secrets.findings`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FactExtractor } from '../../src/facts/extractor.js';
import { secrets } from '../../src/facts/extractors/secrets.js';
import { buildImage, type FileSpec } from '../../test/support/image-builder.js';
import { scanBuiltImage } from '../../test/support/scan-built-image.js';
import { pseudoRandom } from '../../test/support/seed-images.js';
import { expandTemplate } from '../../test/fixtures/secrets/expand-template.js';

export interface LabelledFile {
  path: string;
  content: Buffer;
  /** Whether the file should block the image. */
  secret: boolean;
  label: string;
}

const GO_SRC = '/usr/share/go-1.19/src';
/** The seven Go standard library files pushgate flagged before provenance (issue 12). */
const GO_VENDOR_FILES = [
  'crypto/tls/auth_test.go',
  'crypto/tls/example_test.go',
  'crypto/tls/testdata/example-key.pem',
  'crypto/tls/tls_test.go',
  'net/http/client_test.go',
  'net/url/url_test.go',
];

const md5 = (content: Buffer): string => createHash('md5').update(content).digest('hex');

async function goBinary(key: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'pushgate-bench-go-'));
  try {
    const src = join(dir, 'main.go');
    await writeFile(
      src,
      'package main\n\nimport "fmt"\n\nvar key = "unset"\n\nfunc main() { fmt.Println(len(key)) }\n',
    );
    await promisify(execFile)(
      'go',
      ['build', '-trimpath', '-o', join(dir, 'app'), '-ldflags', `-X main.key=${key}`, src],
      {
        env: { ...process.env, GOCACHE: join(dir, 'cache'), GOPATH: join(dir, 'gopath'), GO111MODULE: 'off' },
      },
    );
    return await readFile(join(dir, 'app'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function utf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** The labelled files (needs golang-1.19-src and go installed) and pushgate's blocking files. */
export async function provenanceCorpus(): Promise<{ files: LabelledFile[]; pushgateBlocks: Set<string> }> {
  const files: LabelledFile[] = [];
  const md5sums: string[] = [];
  for (const rel of GO_VENDOR_FILES) {
    const content = await readFile(`${GO_SRC}/${rel}`);
    const path = `${GO_SRC.slice(1)}/${rel}`;
    files.push({ path, content, secret: false, label: `go vendor ${rel}` });
    md5sums.push(`${md5(content)}  ${path}`);
  }
  const urlGo = await readFile(`${GO_SRC}/net/url/url.go`);
  md5sums.push(`${md5(urlGo)}  ${GO_SRC.slice(1)}/net/url/url.go`);
  const pem = expandTemplate('[[pem:RSA PRIVATE KEY]]', 501);
  files.push({
    path: `${GO_SRC.slice(1)}/net/url/url.go`,
    content: Buffer.concat([urlGo, Buffer.from(`\n/*\n${pem}\n*/\n`)]),
    secret: true,
    label: 'packaged file edited to hold a key',
  });
  const awsKey = `AKIA${pseudoRandom('bench-go-binary', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
  files.push({
    path: 'app/server',
    content: await goBinary(awsKey),
    secret: true,
    label: 'Go binary with an AWS key',
  });
  files.push({
    path: 'app/node_modules/ssh2/test/fixtures/id_rsa',
    content: Buffer.from(`${expandTemplate('[[pem:RSA PRIVATE KEY]]', 502)}\n`),
    secret: false,
    label: 'dependency fixture key',
  });
  const liveKey = `AKIA${pseudoRandom('bench-fixture-key', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
  files.push({
    path: 'app/node_modules/aws-thing/test/fixtures/creds.js',
    content: Buffer.from(`module.exports = { accessKeyId: "${liveKey}" };\n`),
    secret: true,
    label: 'live AWS key in a dependency fixture',
  });
  files.push({
    path: 'app/.env',
    content: utf16le(`DATABASE_PASSWORD=${pseudoRandom('bench-utf16', 20)}\r\n`),
    secret: true,
    label: 'UTF-16 .env',
  });
  const token = `ghp_${pseudoRandom('bench-big-file', 36)}`;
  const filler = '// generated code, nothing to see here\n'.repeat(80_000);
  files.push({
    path: 'app/dist/bundle.js',
    content: Buffer.from(`${filler}const token = "${token}";\n`),
    secret: true,
    label: '3 MiB bundle with a token at its end',
  });

  const specs: FileSpec[] = [
    ...files.map((f) => ({
      path: f.path,
      content: f.content,
      mode: f.path === 'app/server' ? 0o755 : 0o644,
    })),
    { path: 'var/lib/dpkg/info/golang-1.19-src.md5sums', content: `${md5sums.join('\n')}\n` },
  ];
  const { facts } = await scanBuiltImage(
    await buildImage({ layers: [{ files: specs, compression: 'none' }] }),
    {
      extractors: [secrets as FactExtractor],
    },
  );
  const pushgateBlocks = new Set(
    (facts.secrets?.findings ?? []).map((f) => f.evidence.path.replace(/^\//, '')),
  );
  return { files, pushgateBlocks };
}
