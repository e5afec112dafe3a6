import type { FileSpec } from '../../../support/image-builder.js';

/** Content a sniffer takes for an ELF executable. */
export function elf(tag = ''): Buffer {
  return Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
    Buffer.alloc(56),
    Buffer.from(tag),
  ]);
}

export function script(interpreter = '/bin/sh', body = 'exec true\n'): string {
  return `#!${interpreter}\n${body}`;
}

export function exe(path: string, content: Buffer | string = elf(path)): FileSpec {
  return { path, content, mode: 0o755 };
}

export interface DpkgStanza {
  name: string;
  version: string;
  source?: string;
  arch?: string;
  status?: string;
}

export function dpkgStatus(packages: DpkgStanza[]): string {
  return packages
    .map((p) =>
      [
        `Package: ${p.name}`,
        `Status: ${p.status ?? 'install ok installed'}`,
        'Priority: optional',
        `Architecture: ${p.arch ?? 'amd64'}`,
        ...(p.source ? [`Source: ${p.source}`] : []),
        `Version: ${p.version}`,
        'Description: a package',
        ' with a long description.',
        '',
      ].join('\n'),
    )
    .join('\n');
}

export const BASE_PACKAGES: DpkgStanza[] = [
  { name: 'base-files', version: '12.4+deb12u5' },
  { name: 'bash', version: '5.2.15-2+b2' },
  { name: 'dash', version: '0.5.12-2' },
  { name: 'dpkg', version: '1.21.22' },
  { name: 'apt', version: '2.6.1' },
];

export const BUILD_PACKAGES: DpkgStanza[] = [
  { name: 'gcc-12', version: '12.2.0-14' },
  { name: 'gcc', version: '4:12.2.0-3', source: 'gcc-defaults (1.203)' },
  { name: 'make', version: '4.3-4.1', source: 'make-dfsg' },
  { name: 'libc6-dev', version: '2.36-9+deb12u4', source: 'glibc' },
];

export const INSTALL_STEP =
  '/bin/sh -c apt-get update && apt-get install -y --no-install-recommends gcc make';

/** Debian-like base layer: dpkg database, bash, dash with `sh → dash`, apt and dpkg. */
export function baseLayerFiles(): FileSpec[] {
  return [
    { path: 'var/lib/dpkg/status', content: dpkgStatus(BASE_PACKAGES) },
    { path: 'var/lib/dpkg/info/bash.list', content: '/.\n/bin\n/bin/bash\n/usr/share/doc/bash\n' },
    { path: 'var/lib/dpkg/info/dash.list', content: '/.\n/bin\n/bin/dash\n' },
    { path: 'var/lib/dpkg/info/apt.list', content: '/.\n/usr/bin/apt\n/usr/bin/apt-get\n' },
    { path: 'var/lib/dpkg/info/dpkg.list', content: '/.\n/usr/bin/dpkg\n' },
    exe('bin/bash'),
    exe('bin/dash'),
    { path: 'bin/sh', type: 'symlink', target: 'dash' },
    exe('usr/bin/apt'),
    exe('usr/bin/apt-get'),
    exe('usr/bin/dpkg'),
    { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
  ];
}

/** The `apt-get install gcc make` layer on top of the base. */
export function buildLayerFiles(): FileSpec[] {
  return [
    { path: 'var/lib/dpkg/status', content: dpkgStatus([...BASE_PACKAGES, ...BUILD_PACKAGES]) },
    {
      path: 'var/lib/dpkg/info/gcc-12.list',
      content:
        '/.\n/usr/bin/gcc-12\n/usr/bin/x86_64-linux-gnu-gcc-12\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n',
    },
    { path: 'var/lib/dpkg/info/gcc.list', content: '/.\n/usr/bin/gcc\n' },
    { path: 'var/lib/dpkg/info/make.list', content: '/.\n/usr/bin/make\n' },
    exe('usr/bin/x86_64-linux-gnu-gcc-12'),
    { path: 'usr/bin/gcc-12', type: 'symlink', target: 'x86_64-linux-gnu-gcc-12' },
    { path: 'usr/bin/gcc', type: 'symlink', target: 'gcc-12' },
    exe('usr/bin/make'),
    // Look-alikes that are not tools.
    exe('usr/lib/gcc/x86_64-linux-gnu/12/cc1'),
    exe('usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
    { path: 'usr/share/doc/binutils/as', content: 'the GNU assembler manual\n' },
  ];
}
