import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dependencyFixture } from '../../../../src/facts/tools/dependency-fixture.js';
import { fileOrigin } from '../../../../src/facts/tools/file-origin.js';
import type { PackagedFile } from '../../../../src/facts/tools/packaged-files.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

describe('dependency fixtures', () => {
  it.each([
    ['app/node_modules/ssh2/test/fixtures/id_rsa', 'ssh2'],
    ['app/node_modules/@scope/pkg/examples/key.pem', '@scope/pkg'],
    ['app/node_modules/a/node_modules/b/__tests__/x.js', 'b'],
    ['usr/lib/python3/dist-packages/oauthlib/tests/test_x.py', 'oauthlib'],
    ['usr/local/lib/python3.12/site-packages/requests/testing/key.pem', 'requests'],
    ['app/vendor/guzzlehttp/guzzle/tests/fixtures/cert.pem', 'guzzlehttp/guzzle'],
    ['root/go/pkg/mod/golang.org/x/crypto@v0.17.0/ssh/testdata/keys.go', 'golang.org/x/crypto@v0.17.0'],
    ['root/go/pkg/mod/example.com/m@v1.0.0/client_test.go', 'example.com/m@v1.0.0'],
    ['usr/local/go/src/crypto/tls/handshake_test.go', 'go'],
    ['usr/local/go/src/crypto/x509/testdata/key.pem', 'go'],
    ['usr/local/bundle/gems/rack-3.0.8/test/spec_x.rb', 'rack-3.0.8'],
    ['app/vendor/bundle/ruby/3.3.0/gems/rack-3.0.8/test/spec_x.rb', 'rack-3.0.8'],
    ['usr/lib/go-1.22/src/crypto/tls/testdata/key.pem', 'go'],
    [
      'root/.cargo/registry/src/index.example.com-1ecc6299db9ec823/rustls-0.21.0/tests/data/key.pem',
      'rustls-0.21.0',
    ],
  ])('%s is a fixture of %s', (path, pkg) => {
    expect(dependencyFixture(path)?.package).toBe(pkg);
  });

  it.each([
    'app/node_modules/left-pad/.npmrc',
    'app/node_modules/left-pad/index.js',
    'app/test/fixtures/key.pem',
    'app/tests/key.pem',
    'usr/lib/python3/dist-packages/pkg-1.0.dist-info/tests/x',
    'usr/local/go/src/crypto/tls/handshake.go',
    'app/src/main_test.go',
    'root/.ssh/id_rsa',
    // GOPATH, not GOROOT: the golang images' `WORKDIR /go/src/app` holds the user's own code.
    'go/src/app/config_test.go',
    'go/src/app/testdata/server.key',
    'home/dev/go/src/example.com/app/testdata/key.pem',
    // A folder that is merely named gems.
    'app/gems/mine/test/key.pem',
  ])('%s is not a dependency fixture', (path) => {
    expect(dependencyFixture(path)).toBeUndefined();
  });
});

describe('file origin', () => {
  const packaged = new Map<string, PackagedFile[]>([
    [
      'usr/share/go-1.19/src/crypto/tls/key.pem',
      [
        {
          path: 'usr/share/go-1.19/src/crypto/tls/key.pem',
          package: 'golang-1.19-src',
          algorithm: 'md5',
          digest: md5('pem'),
        },
      ],
    ],
  ]);

  it('is the package when the file has the packaged checksum (or a stored prefix of it)', () => {
    expect(fileOrigin('usr/share/go-1.19/src/crypto/tls/key.pem', { md5: md5('pem') }, packaged)).toEqual({
      origin: 'os-package',
      package: 'golang-1.19-src',
    });
    const prefixed = new Map(
      [...packaged].map(([k, v]) => [k, v.map((e) => ({ ...e, digest: e.digest.slice(0, 16) }))]),
    );
    expect(fileOrigin('usr/share/go-1.19/src/crypto/tls/key.pem', { md5: md5('pem') }, prefixed).origin).toBe(
      'os-package',
    );
  });

  it("is the user's when a packaged file was changed after installation, or its digest is unknown", () => {
    expect(fileOrigin('usr/share/go-1.19/src/crypto/tls/key.pem', { md5: md5('edited') }, packaged)).toEqual({
      origin: 'user',
      listedBy: 'golang-1.19-src',
      checked: true,
    });
    expect(fileOrigin('usr/share/go-1.19/src/crypto/tls/key.pem', undefined, packaged)).toEqual({
      origin: 'user',
      listedBy: 'golang-1.19-src',
      checked: false,
    });
    expect(
      fileOrigin('usr/share/go-1.19/src/crypto/tls/key.pem', { sha1: md5('pem') }, packaged),
    ).toMatchObject({
      origin: 'user',
      checked: false,
    });
  });

  it('falls back to dependency fixtures, then the user', () => {
    expect(fileOrigin('app/node_modules/ssh2/test/fixtures/id_rsa', undefined, packaged)).toEqual({
      origin: 'dependency-fixture',
      package: 'ssh2',
    });
    expect(fileOrigin('app/.env', undefined, packaged)).toEqual({ origin: 'user' });
  });
});
