import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRpmFileDigests, parseRpmHeader } from '../../../../src/facts/tools/rpm-header.js';
import { checksumSourceFor } from '../../../../src/facts/tools/packaged-files.js';
import { rpmdbSqlite, rpmHeaderBlob } from './rpmdb-fixture.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const sha1 = (text: string): Buffer => createHash('sha1').update(text).digest();
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function parse(path: string, text: string | Buffer, complete = true) {
  const source = checksumSourceFor(path);
  if (source === undefined) throw new Error(`no checksum source for ${path}`);
  return source.parse(path, Buffer.from(text), complete);
}

describe('packaged-file checksums', () => {
  it('reads dpkg md5sums (info/ with an architecture, and distroless status.d)', () => {
    const text = `${md5('a')}  usr/share/go-1.19/src/crypto/tls/key.pem\n${md5('b')} *usr/bin/go\nnot a line\n`;
    expect(parse('var/lib/dpkg/info/golang-1.19-src:amd64.md5sums', text)).toEqual([
      {
        path: 'usr/share/go-1.19/src/crypto/tls/key.pem',
        package: 'golang-1.19-src',
        algorithm: 'md5',
        digest: md5('a'),
      },
      { path: 'usr/bin/go', package: 'golang-1.19-src', algorithm: 'md5', digest: md5('b') },
    ]);
    expect(parse('var/lib/dpkg/status.d/base-files.md5sums', `${md5('c')}  etc/issue\n`)[0]).toMatchObject({
      package: 'base-files',
      path: 'etc/issue',
    });
    expect(checksumSourceFor('var/lib/dpkg/info/libc6.list')).toBeUndefined();
  });

  it('drops the line a content cut may have broken', () => {
    const text = `${md5('a')}  etc/a\n${md5('b')}  etc/b`;
    expect(parse('var/lib/dpkg/info/x.md5sums', text, false).map((f) => f.path)).toEqual(['etc/a']);
  });

  it('reads apk Z: checksums (Q1 = SHA-1 in base64) of the R: file before them', () => {
    const text = [
      'P:openssl',
      'V:3.1.4-r0',
      'F:etc/ssl',
      'R:openssl.cnf',
      'a:0:0:644',
      `Z:Q1${sha1('conf').toString('base64')}`,
      'R:no-checksum',
      'F:usr/bin',
      'R:openssl',
      'Z:Q1broken',
      '',
      'P:musl',
      'F:lib',
      'R:ld-musl-x86_64.so.1',
      `Z:Q1${sha1('musl').toString('base64')}`,
      '',
    ].join('\n');
    expect(parse('lib/apk/db/installed', text)).toEqual([
      {
        path: 'etc/ssl/openssl.cnf',
        package: 'openssl',
        algorithm: 'sha1',
        digest: sha1('conf').toString('hex'),
      },
      {
        path: 'lib/ld-musl-x86_64.so.1',
        package: 'musl',
        algorithm: 'sha1',
        digest: sha1('musl').toString('hex'),
      },
    ]);
  });

  it('reads rpm file digests from header blobs, with the algorithm tag and without it (MD5)', () => {
    const blob = rpmHeaderBlob({
      name: 'openssl',
      version: '3.0.7',
      release: '1.el9',
      digestAlgorithm: 8,
      files: [
        { path: '/etc/pki/tls/openssl.cnf', digest: sha256('cnf') },
        { path: '/etc/pki/tls', digest: '' },
        { path: '/usr/bin/openssl', digest: sha256('bin') },
      ],
    });
    expect(parseRpmHeader(blob)).toMatchObject({ name: 'openssl', version: '3.0.7-1.el9' });
    expect(parseRpmFileDigests(blob)).toEqual({
      name: 'openssl',
      algorithm: 'sha256',
      files: [
        { path: 'etc/pki/tls/openssl.cnf', digest: sha256('cnf') },
        { path: 'usr/bin/openssl', digest: sha256('bin') },
      ],
    });
    const old = rpmHeaderBlob({
      name: 'bash',
      version: '4',
      release: '1',
      files: [{ path: '/bin/bash', digest: md5('x') }],
    });
    expect(parseRpmFileDigests(old)?.algorithm).toBe('md5');
    expect(parseRpmFileDigests(rpmHeaderBlob({ name: 'empty', version: '1', release: '1' }))).toBeUndefined();
    expect(parseRpmFileDigests(Buffer.from('garbage'))).toBeUndefined();
  });

  it('reads every package of a real rpmdb.sqlite written by sqlite3', async () => {
    const db = await rpmdbSqlite([
      {
        name: 'a',
        version: '1',
        release: '1',
        digestAlgorithm: 8,
        files: [{ path: '/usr/bin/a', digest: sha256('a') }],
      },
      {
        name: 'b',
        version: '1',
        release: '1',
        digestAlgorithm: 8,
        files: [{ path: '/usr/bin/b', digest: sha256('b') }],
      },
    ]);
    expect(parse('var/lib/rpm/rpmdb.sqlite', db).map((f) => `${f.package}:${f.path}`)).toEqual([
      'a:usr/bin/a',
      'b:usr/bin/b',
    ]);
    expect(parse('var/lib/rpm/rpmdb.sqlite', db.subarray(0, 100), false)).toEqual([]);
    expect(parse('usr/lib/sysimage/rpm/rpmdb.sqlite', Buffer.from('not sqlite'))).toEqual([]);
  });
});
