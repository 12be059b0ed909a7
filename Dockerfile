# Kubidu: one image for the API (with or without the inline controller) and for
# the controller alone.
#   docker build -t kubidu .
#   docker run -p 8080:8080 -v kubidu-data:/data kubidu                       # API + inline controller
#   docker run -e DATABASE_URL=… -e KUBIDU_CONTROLLER=off kubidu               # API only
#   docker run -e DATABASE_URL=… kubidu controller/dist/main.js                # controller only
# BASE_IMAGE is any Debian-based image with Node 20 and npm (the tests pass a
# local one built without a registry, see test-support/podman.ts).
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY . .
# Build with every dependency, then keep only what production loads: the bundles,
# the web app, the manifests template and the production node_modules.
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && rm -rf node_modules \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /out/platform /out/controller /out/cli /out/web \
 && mkdir -p /out/scripts && cp scripts/healthcheck.mjs /out/scripts/ \
 && cp -a package.json package-lock.json node_modules manifests-template /out/ \
 && for w in core api controller platform cli web; do mkdir -p /out/$w && cp $w/package.json /out/$w/; done \
 && cp -a platform/dist /out/platform/ \
 && cp -a controller/dist /out/controller/ \
 && cp -a cli/dist cli/bin /out/cli/ \
 && cp -a web/dist /out/web/

FROM ${BASE_IMAGE}
# git 2.31 or newer: the controller fetches and repacks the manifests cache with it.
RUN (command -v git >/dev/null \
      || (apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*)) \
 && git --version | awk '{ split($3, v, "."); if (v[1] < 2 || (v[1] == 2 && v[2] < 31)) { print "git " $3 " is older than 2.31"; exit 1 } }' \
 && groupadd --system --gid 10001 kubidu \
 && useradd --system --uid 10001 --gid kubidu --home-dir /data --shell /usr/sbin/nologin kubidu \
 && mkdir -p /data \
 && chown kubidu:kubidu /data
COPY --from=build /out /app
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    KUBIDU_DATA_DIR=/data \
    KUBIDU_METRICS_HOST=0.0.0.0 \
    KUBIDU_METRICS_PORT=9464
USER 10001:10001
VOLUME /data
EXPOSE 8080 9464
# /healthz of the API, or the metrics port of a controller-only container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["platform/dist/main.js"]
