import { describe, expect, it } from 'vitest';
import {
  contextCopyOf,
  dependencyInstallsOf,
  resolvePath,
  workdirOf,
} from '../../../../src/facts/tools/build-steps.js';

/** `created_by` strings as Docker 28's classic builder wrote them for `docker build` of a FROM scratch Dockerfile. */
const CONTEXT_HASH = '6ad0eefad4362f315c7a001c5617e467e48a1034312741b1e36974a402fccd77';
const CLASSIC = {
  copyDot: `/bin/sh -c #(nop) COPY dir:${CONTEXT_HASH} in . `,
  copyDotChown: `/bin/sh -c #(nop) COPY --chown=1:1dir:${CONTEXT_HASH} in /own `,
  addDot: `/bin/sh -c #(nop) ADD dir:${CONTEXT_HASH} in /srv `,
  manifests:
    '/bin/sh -c #(nop) COPY multi:196fda6974d3c8d0e0f814f09af66c3338f1384653922089d0fb16c102ccd62f in ./ ',
  oneFile:
    '/bin/sh -c #(nop) COPY file:f26712d186bfac8aef78d55fc8197bba3b8a4aa2645774edb8157100f3cf47e5 in /app/pkg.json ',
  workdir: '/bin/sh -c #(nop) WORKDIR /app',
};

describe('workdirOf', () => {
  it('reads WORKDIR as BuildKit and the classic builder record it, relative ones resolved', () => {
    expect(workdirOf('WORKDIR /app', '/')).toBe('/app');
    expect(workdirOf('WORKDIR /usr/src/app # buildkit', '/')).toBe('/usr/src/app');
    expect(workdirOf(CLASSIC.workdir, '/')).toBe('/app');
    expect(workdirOf('WORKDIR src/', '/app')).toBe('/app/src');
    expect(workdirOf('RUN /bin/sh -c cd /x # buildkit', '/')).toBeUndefined();
  });

  it('resolves paths like a shell does', () => {
    expect(resolvePath('/app', '.')).toBe('/app');
    expect(resolvePath('/app', './')).toBe('/app');
    expect(resolvePath('/app', '../srv/./x/')).toBe('/srv/x');
    expect(resolvePath('/', '/app/')).toBe('/app');
  });
});

describe('contextCopyOf', () => {
  it('knows a BuildKit copy of the whole context, whatever the options and destination', () => {
    for (const createdBy of [
      'COPY . . # buildkit',
      'COPY --chown=node:node . /app # buildkit',
      'COPY --link ./ ./ # buildkit',
      'ADD . /srv # buildkit',
      'COPY ["." , "/app"] # buildkit',
      'COPY . .',
    ]) {
      expect(contextCopyOf(createdBy, '/app'), createdBy).toMatchObject({
        builder: 'buildkit',
        wholeContext: true,
      });
    }
    expect(contextCopyOf('COPY . . # buildkit', '/app')?.destination).toBe('/app');
  });

  it('a BuildKit copy of manifests, of a subdirectory or from another stage is not the whole context', () => {
    expect(contextCopyOf('COPY package.json package-lock.json ./ # buildkit', '/app')).toMatchObject({
      wholeContext: false,
      destination: '/app',
    });
    expect(contextCopyOf('COPY package*.json ./ # buildkit', '/app')?.wholeContext).toBe(false);
    expect(contextCopyOf('COPY src ./src # buildkit', '/app')?.wholeContext).toBe(false);
    expect(contextCopyOf('COPY --from=build . . # buildkit', '/app')).toBeUndefined();
    expect(contextCopyOf('RUN /bin/sh -c cp -r . /app # buildkit', '/')).toBeUndefined();
  });

  it('reads what the classic builder records: the kind of source and the destination', () => {
    expect(contextCopyOf(CLASSIC.copyDot, '/app')).toEqual({
      builder: 'classic',
      wholeContext: false,
      sourceKind: 'dir',
      destination: '/app',
    });
    expect(contextCopyOf(CLASSIC.copyDotChown, '/app')).toMatchObject({
      sourceKind: 'dir',
      destination: '/own',
    });
    expect(contextCopyOf(CLASSIC.addDot, '/app')).toMatchObject({ sourceKind: 'dir', destination: '/srv' });
    expect(contextCopyOf(CLASSIC.manifests, '/app')).toMatchObject({
      sourceKind: 'multi',
      destination: '/app',
    });
    expect(contextCopyOf(CLASSIC.oneFile, '/')).toMatchObject({
      sourceKind: 'file',
      destination: '/app/pkg.json',
    });
    expect(contextCopyOf(CLASSIC.workdir, '/')).toBeUndefined();
  });
});

describe('dependencyInstallsOf', () => {
  const commands = (createdBy: string, workdir = '/app'): string[] =>
    dependencyInstallsOf(createdBy, workdir).map((install) => install.command);

  it('finds the installs that read a project manifest, in BuildKit and classic RUN steps', () => {
    expect(commands('RUN /bin/sh -c npm ci # buildkit')).toEqual(['npm ci']);
    expect(commands('/bin/sh -c npm install --omit=dev')).toEqual(['npm install --omit=dev']);
    expect(commands('RUN /bin/sh -c yarn install --frozen-lockfile # buildkit')).toEqual([
      'yarn install --frozen-lockfile',
    ]);
    expect(commands('RUN /bin/sh -c yarn --frozen-lockfile # buildkit')).toEqual(['yarn --frozen-lockfile']);
    expect(commands('RUN /bin/sh -c corepack enable && pnpm install --prod # buildkit')).toEqual([
      'pnpm install --prod',
    ]);
    expect(commands('RUN /bin/sh -c pip install --no-cache-dir -r requirements.txt # buildkit')).toEqual([
      'pip install --no-cache-dir -r requirements.txt',
    ]);
    expect(commands('RUN /bin/sh -c python3 -m pip install --requirement req.txt # buildkit')).toEqual([
      'python3 -m pip install --requirement req.txt',
    ]);
    expect(commands('RUN /bin/sh -c go mod download # buildkit')).toEqual(['go mod download']);
    expect(commands('RUN /bin/sh -c composer install --no-dev # buildkit')).toEqual([
      'composer install --no-dev',
    ]);
    expect(commands('RUN /bin/sh -c bundle install --jobs 4 # buildkit')).toEqual([
      'bundle install --jobs 4',
    ]);
    expect(commands('RUN |1 NODE_ENV=production /bin/sh -c npm ci # buildkit')).toEqual(['npm ci']);
  });

  it('does not take a tool install or a build for a dependency install', () => {
    expect(commands('RUN /bin/sh -c npm install -g pm2 # buildkit')).toEqual([]);
    expect(commands('RUN /bin/sh -c npm install express # buildkit')).toEqual([]);
    expect(commands('RUN /bin/sh -c pip install gunicorn # buildkit')).toEqual([]);
    expect(commands('RUN /bin/sh -c npm run build # buildkit')).toEqual([]);
    expect(commands('RUN /bin/sh -c go build ./... # buildkit')).toEqual([]);
    expect(commands('RUN /bin/sh -c apt-get install -y nodejs # buildkit')).toEqual([]);
    expect(commands(CLASSIC.copyDot)).toEqual([]);
  });

  it('says where each install runs: the working directory, or the last cd before it', () => {
    expect(dependencyInstallsOf('/bin/sh -c npm ci', '/app')).toEqual([
      { command: 'npm ci', directory: '/app' },
    ]);
    expect(dependencyInstallsOf('/bin/sh -c cd /srv && npm ci && cd web && yarn', '/')).toEqual([
      { command: 'npm ci', directory: '/srv' },
      { command: 'yarn', directory: '/srv/web' },
    ]);
  });
});
