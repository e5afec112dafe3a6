import { buildImage, type BuiltImage } from './image-builder.js';

/**
 * The sample image of the README's quick start (test/fixtures/images/sample.tar): a small
 * Debian-like image with a file added in one layer and deleted in the next, written by
 * `npm run fixtures:sample`. A test checks the committed archive still matches this spec.
 */
export function buildSampleImage(): Promise<BuiltImage> {
  return buildImage({
    format: 'docker',
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:rootfs in / ',
        files: [
          { path: 'etc', type: 'dir' },
          {
            path: 'etc/os-release',
            content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
          },
          {
            path: 'etc/passwd',
            content: 'root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n',
          },
          { path: 'bin', type: 'dir' },
          { path: 'bin/sh', content: '#!fake shell\n', mode: 0o755 },
        ],
      },
      {
        createdBy: '|1 NPM_TOKEN=npm_sampleSampleSample /bin/sh -c npm ci && npm run build',
        files: [
          { path: 'app', type: 'dir', uid: 10001, gid: 10001 },
          { path: 'app/server.js', content: 'console.log("hello");\n', uid: 10001, gid: 10001 },
          { path: 'app/.npmrc', content: 'registry=https://registry.example.com/\n' },
        ],
      },
      {
        createdBy: '/bin/sh -c rm /app/.npmrc',
        files: [{ path: 'app/.npmrc', type: 'whiteout' }],
      },
    ],
    emptyLayerHistory: [{ createdBy: '/bin/sh -c #(nop) USER app', afterLayer: 2 }],
    config: {
      User: 'app',
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
      Cmd: ['node', '/app/server.js'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: { 'org.opencontainers.image.source': 'https://example.com/pushgate/sample' },
    },
  });
}
