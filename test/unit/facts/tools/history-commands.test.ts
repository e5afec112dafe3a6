import { describe, expect, it } from 'vitest';
import { installCommands } from '../../../../src/facts/tools/history-commands.js';

const packagesOf = (createdBy: string) => installCommands(createdBy).map((c) => [c.ecosystem, c.packages]);

describe('installCommands', () => {
  it('reads apt-get with options before and after the verb', () => {
    expect(
      packagesOf(
        '/bin/sh -c apt-get update && DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confnew -y install --no-install-recommends gcc-12=12.2.0-14 make libc6-dev:amd64 && rm -rf /var/lib/apt/lists/*',
      ),
    ).toEqual([['dpkg', ['gcc-12', 'make', 'libc6-dev']]]);
  });

  it('reads BuildKit RUN lines, line continuations and sudo', () => {
    expect(
      packagesOf('RUN /bin/sh -c set -eux; \\\n  sudo apt install -y \\\n    build-essential # buildkit'),
    ).toEqual([['dpkg', ['build-essential']]]);
  });

  it('skips the virtual package name of apk add --virtual / -t', () => {
    expect(
      packagesOf('/bin/sh -c apk add --no-cache --virtual .build-deps gcc musl-dev && apk add -t deps make'),
    ).toEqual([
      ['apk', ['gcc', 'musl-dev']],
      ['apk', ['make']],
    ]);
  });

  it('reads yum, dnf, microdnf, zypper and pacman', () => {
    expect(
      packagesOf(
        '/bin/sh -c yum install -y gcc gcc-c++ && microdnf --nodocs install make && zypper -n in cmake',
      ),
    ).toEqual([
      ['rpm', ['gcc', 'gcc-c++']],
      ['rpm', ['make']],
      ['rpm', ['cmake']],
    ]);
    expect(packagesOf('/bin/sh -c pacman -Syu --noconfirm base-devel')).toEqual([['pacman', ['base-devel']]]);
  });

  it('reads pip, python -m pip, npm, yarn global and gem', () => {
    expect(
      packagesOf(
        '/bin/sh -c pip3 install --no-cache-dir -r requirements.txt poetry==1.8.2 && python3.11 -m pip install "meson>=1" && npm i -g typescript@5 @types/node && yarn global add pnpm && gem install bundler:2.4.0',
      ),
    ).toEqual([
      ['pip', ['poetry']],
      ['pip', ['meson']],
      ['npm', ['typescript', '@types/node']],
      ['npm', ['pnpm']],
      ['gem', ['bundler']],
    ]);
  });

  it('masks nothing and finds nothing in metadata steps and non-install commands', () => {
    expect(installCommands('/bin/sh -c #(nop)  CMD ["bash"]')).toEqual([]);
    expect(
      installCommands('/bin/sh -c apt-get update && apt-get remove gcc && echo apt-get install gcc'),
    ).toEqual([]);
    expect(installCommands('|1 NPM_TOKEN=**** /bin/sh -c npm ci')).toEqual([]);
    expect(installCommands('/bin/sh -c apt-get install -y $PACKAGES ./local.deb')).toEqual([]);
  });

  it('keeps the command text for evidence', () => {
    expect(installCommands('|1 TOKEN=**** /bin/sh -c apk add   curl')).toEqual([
      { ecosystem: 'apk', command: 'apk add curl', packages: ['curl'] },
    ]);
  });
});
