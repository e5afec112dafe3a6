import type { Remedy } from './checks.js';

/**
 * The fixes pushgate's checks point to, shared by the extractors that declare them: each states
 * the Dockerfile practice that keeps the finding out of the image, not a workaround in pushgate.
 */

const MULTI_STAGE =
  'Build in a separate stage (`FROM … AS build`) and copy only the artifacts the program needs into the runtime stage (`COPY --from=build /src/dist /app`)';

const MINIMAL_RUNTIME =
  'base the runtime stage on `FROM scratch` or a distroless image (`gcr.io/distroless/static`, `…/nodejs20`), which ship no shell, package manager or compiler';

const DOCKERIGNORE =
  'List `.git`, `.env*`, `Dockerfile*`, compose files, editor folders (`.vscode`, `.idea`), tests and `node_modules` in `.dockerignore`, and `COPY` named paths rather than `COPY . .`';

export const REMEDIES = {
  buildToolchain: {
    summary: 'Build in a separate stage; copy only the artifacts into a FROM scratch or distroless runtime.',
    markdown: `${MULTI_STAGE}; ${MINIMAL_RUNTIME}. When a package pulled the toolchain in, install only the runtime libraries (\`apt-get install --no-install-recommends libpq5\`, not \`libpq-dev\` or \`build-essential\`).`,
  },
  devHeaders: {
    summary:
      'Install -dev packages only in the build stage; the runtime stage needs the runtime libraries alone.',
    markdown: `${MULTI_STAGE}: \`*-dev\`/\`*-devel\` packages and kernel headers belong to the build stage. In the runtime stage install only the shared libraries the program links (\`libssl3\`, not \`libssl-dev\`), or ${MINIMAL_RUNTIME}.`,
  },
  packageManager: {
    summary:
      'Install in a build stage; run from a FROM scratch or distroless runtime without a package manager.',
    markdown: `Install what the image needs in a build stage and copy the result into a runtime stage that has no package manager: ${MINIMAL_RUNTIME}. For npm, pip and the like, install dependencies in the build stage (\`npm ci --omit=dev\`, \`pip install --target /deps\`) and copy them over; the runtime only needs \`node\` or \`python\`.`,
  },
  shell: {
    summary: 'Use a FROM scratch or distroless runtime and exec-form CMD/ENTRYPOINT (no shell needed).',
    markdown: `${MULTI_STAGE}; ${MINIMAL_RUNTIME}. Write \`CMD\` and \`ENTRYPOINT\` in exec form (\`CMD ["node", "dist/index.js"]\`) so nothing needs \`/bin/sh\`; debug with \`kubectl debug\` or a \`:debug\` image variant instead of a shell in production.`,
  },
  devDependencies: {
    summary:
      'Run `npm ci --omit=dev` in the runtime stage (pip: runtime requirements only; composer --no-dev).',
    markdown: `${MULTI_STAGE}, and install production dependencies only in the runtime stage: \`npm ci --omit=dev\` (pnpm \`install --prod\`, yarn \`workspaces focus --production\`), \`composer install --no-dev\`, or a runtime-only requirements file for pip. Test, lint and type-check tools stay in the build stage.`,
  },
  buildOutputOnly: {
    summary:
      'Build in a separate stage and copy only the built output (e.g. dist/), not the sources and tests.',
    markdown: `${MULTI_STAGE}: copy the build output (\`dist/\`, the binary), not the project folder, so tests, TypeScript sources and source maps stay behind. ${DOCKERIGNORE}.`,
  },
  buildContext: {
    summary:
      'Add .git, .env, Dockerfile, compose and editor files to .dockerignore; COPY named paths, not `COPY . .`.',
    markdown: `${DOCKERIGNORE}. In a multi-stage build copy only the artifacts into the runtime stage (\`COPY --from=build /src/dist /app\`).`,
  },
  packageCache: {
    summary: 'Clean the cache in the same RUN: `apt-get install … && rm -rf /var/lib/apt/lists/*`.',
    markdown:
      'Remove the cache in the same `RUN` that fills it, since a later layer cannot shrink an earlier one: `RUN apt-get update && apt-get install -y --no-install-recommends … && rm -rf /var/lib/apt/lists/*`; `apk add --no-cache`; `pip install --no-cache-dir`; `npm ci … && npm cache clean --force`. Or use BuildKit cache mounts (`RUN --mount=type=cache,target=/root/.npm`), which never reach the image.',
  },
  multiStage: {
    summary: 'Build in one stage, run from another: copy only the artifacts into a minimal runtime stage.',
    markdown: `${MULTI_STAGE}; ${MINIMAL_RUNTIME}. The build stage keeps the compilers, dev dependencies, package managers and caches; the runtime stage installs production dependencies only (\`npm ci --omit=dev\`) and never carries files a later step deletes. The \`savings\` facts section says how many bytes each of these takes.`,
  },
  wastedBytes: {
    summary: 'Delete files in the same RUN that creates them, or build in a stage and copy only artifacts.',
    markdown: `A file written in one layer and removed or overwritten in a later one still ships in the earlier layer. Delete in the same \`RUN\` that creates (\`… && rm -rf /var/lib/apt/lists/*\`), avoid \`chown\`/\`chmod\` of whole trees in a later layer (use \`COPY --chown=10001:10001\`), or ${MULTI_STAGE.charAt(0).toLowerCase()}${MULTI_STAGE.slice(1)}.`,
  },
  setId: {
    summary:
      'Drop the bit in the build (`chmod a-s FILE`) or use a distroless runtime; run as a numeric USER.',
    markdown:
      'Remove setuid/setgid bits the program does not need: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +` in the runtime stage, or a `FROM scratch`/distroless runtime that ships none. Run as a non-root numeric `USER 10001` and start the container with `no-new-privileges`.',
  },
  worldWritable: {
    summary:
      'Remove o+w (`chmod o-w PATH`), or give the path to the runtime user with `COPY --chown=10001:10001`.',
    markdown:
      'Nothing in the image should be writable by every user: `chmod o-w PATH` (or `COPY --chmod=0755`) in the build. A path the program writes to belongs to its user: `COPY --chown=10001:10001` or `RUN chown 10001:10001 /data` in the same layer that creates it, then `USER 10001`; mount a volume or `emptyDir` for scratch space.',
  },
  packageDatabase: {
    summary:
      'Nothing to fix in the image; package-based detection is incomplete, so prefer a distroless runtime.',
    markdown:
      'The image is not wrong, but pushgate could not read its package database, so package-based findings may be missing (binaries and history are still checked). A runtime stage without a package database (`FROM scratch`, distroless) avoids the question; rpm-based images can use the SQLite database format (rpm ≥ 4.16).',
  },
  rootUser: {
    summary: 'Add `USER 10001` (a numeric uid) to the final stage.',
    markdown:
      'Set a non-root user in the final stage with a numeric uid and gid, e.g. `USER 10001:10001` (create it with `RUN useradd -u 10001 -r app` where the base has a passwd file; distroless images provide `USER nonroot` = 65532). A numeric uid lets Kubernetes `runAsNonRoot` verify it without reading the image.',
  },
  rootGroup: {
    summary: 'Use a non-zero group too: `USER 10001:10001`.',
    markdown:
      'Give the user a group other than 0: `USER 10001:10001`, and create the group in the image (`groupadd -g 10001 app`) or rely on numeric ids. GID 0 grants whatever root-group permissions the filesystem holds.',
  },
  unknownUser: {
    summary: 'Create the account in the image or use numeric ids (`USER 10001:10001`), which need no entry.',
    markdown:
      'The runtime refuses to start a container whose `USER` names an account the image lacks. Create it in the final stage (`RUN groupadd -g 10001 app && useradd -u 10001 -g app -r app`), or write numeric ids (`USER 10001:10001`), which need no `/etc/passwd` entry.',
  },
  secret: {
    summary:
      'Rotate it now; use BuildKit `--mount=type=secret`, not ARG/ENV/COPY; keep .env out with .dockerignore.',
    markdown:
      'Rotate the credential now: it stays readable in the layer blobs (and in registry storage until garbage collection) whatever happens to the tag. Pass build-time credentials with BuildKit secrets (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, `docker build --secret id=npmrc,src=$HOME/.npmrc`) instead of `ARG`, `ENV` or `COPY`; keep `.env`, `.npmrc` and other credential files out of the build context with `.dockerignore`; give the running container its secrets from the orchestrator (Kubernetes Secrets, a vault), never from the image.',
  },
  nativeArchitecture: {
    summary:
      'Build native code for the target platform (`docker buildx build --platform`), in the stage of that platform.',
    markdown: `Build or install native code in a build stage of the image's own platform (\`FROM --platform=$TARGETPLATFORM …\`, \`docker buildx build --platform linux/arm64\`) rather than copying \`node_modules\`, wheels or binaries built on another machine; run \`npm ci\` / \`pip install\` for the target so install scripts fetch the matching prebuilt binaries. When a package keeps binaries for several platforms, keep them under \`prebuilds/<platform>/\` where its loader picks the right one.`,
  },
  buildCacheOrder: {
    summary:
      'Copy the manifests and lockfiles first, install dependencies, then copy the rest of the source.',
    markdown:
      'Order the steps so a code change does not invalidate the dependency install: `COPY package.json package-lock.json ./` then `RUN npm ci`, and only then `COPY . .` (likewise `requirements.txt` before `pip install -r`, `go.mod go.sum` before `go mod download`, `composer.json composer.lock` before `composer install`, `Gemfile Gemfile.lock` before `bundle install`). A BuildKit cache mount (`RUN --mount=type=cache,target=/root/.npm npm ci`) speeds up the install further without leaving the cache in the image.',
  },
} as const satisfies Record<string, Remedy>;
