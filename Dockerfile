# pushgate's own image. Two stages: `build` compiles the TypeScript and the native addon
# (zstd-napi) and keeps production dependencies only; the runtime stage holds the Node runtime, CA
# certificates (both from the base), dist/, node_modules, bin/ and policies/: no shell, no package
# manager, no compiler, uid 65532, nothing written outside /tmp (mount a tmpfs or an emptyDir there
# and run with a read-only root filesystem).
#
# The bases are build arguments; the defaults are what users pull. `npm run image` builds local
# stand-ins where they cannot be pulled (README, "pushgate's image"). The runtime base must have
# node at /nodejs/bin/node, as gcr.io/distroless/nodejs* has: exec-form ENTRYPOINT and HEALTHCHECK
# cannot take the path from a variable.
ARG BUILD_BASE=node:20-bookworm-slim
ARG RUNTIME_BASE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${BUILD_BASE} AS build
# zstd-napi compiles from source: node-gyp reads the headers of the Node that runs it (the official
# node images and the stand-in install Node under /usr/local) instead of downloading them, and the
# addon's prebuilt-binary download is skipped, so the build needs only the npm registry. (npm 11
# warns that it does not know these two settings; it still passes them on to node-gyp and
# prebuild-install, which read them.)
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
# The toolchain node-gyp needs; the slim node image lacks it (the stand-in has it already).
RUN if ! command -v g++ >/dev/null || ! command -v make >/dev/null || ! command -v python3 >/dev/null; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++ make python3 \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build \
    && npm prune --omit=dev
# Prune what only building needed, so the image passes pushgate's own default policies:
# - source maps (a build leftover; stack traces then name dist/ lines, not src/ ones);
# - typescript: production keeps it as valibot's optional peer ("devOptional" in the lockfile), but
#   nothing loads it at run time, and tsc is a compiler;
# - zstd-napi's C sources, object files and makefiles (only build/Release/*.node is loaded);
# - the dependencies' Markdown docs: their examples hold credential-shaped strings (redis://:pass@…)
#   that a secret scan cannot tell from real ones, and nothing reads them at run time.
# node_modules/.package-lock.json stays: it tells which packages production needs (@types/node
# comes in through protobufjs although the project lists it as a dev dependency).
RUN find dist -name '*.map' -type f -delete \
    && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver \
    && (cd node_modules/zstd-napi \
        && find build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
        && find build/Release -mindepth 1 ! -name '*.node' -exec rm -rf {} + \
        && rm -rf deps src binding.gyp build_flags.gypi) \
    && find node_modules -type f \( -iname '*.md' -o -iname '*.markdown' \) -delete

FROM ${RUNTIME_BASE}
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY policies ./policies
# Files stay root-owned and read-only to the service: it never writes to its own code.
USER 65532:65532
ENV NODE_ENV=production \
    TMPDIR=/tmp
EXPOSE 8080
# /healthz of `serve` (and `start`), on PUSHGATE_PORT or the default 8080; `worker` serves no HTTP.
# Node itself asks: there is no shell and no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "fetch('http://127.0.0.1:'+(process.env.PUSHGATE_PORT||8080)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/pushgate.js"]
CMD ["serve"]
