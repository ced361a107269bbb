# syntax=docker/dockerfile:1
# Two images from one file, one per plane:
#   docker build --target control-plane -t switchyard/control-plane:0.1.0 .
#   docker build --target data-plane    -t switchyard/data-plane:0.1.0 .
# TypeScript runs on Node 22's type stripping, so there is no build step: an image is the app's sources plus
# its production dependencies (`npm ci --omit=dev` for that workspace only). Pin NODE_IMAGE by digest in CI.
ARG NODE_IMAGE=node:22-bookworm-slim

# The package manifests alone, so the dependency stages are cached until a manifest or the lockfile changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY apps ./apps
COPY test/package.json ./test/package.json
RUN find packages apps -type f ! -name package.json -delete

# Production dependencies of one workspace each; workspace packages are linked, not copied.
FROM ${NODE_IMAGE} AS control-plane-deps
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace apps/control-plane

FROM ${NODE_IMAGE} AS data-plane-deps
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace apps/data-plane

# The runtime images: root-owned, read-only code; the numeric non-root user (the image's `node`, uid 1000)
# lets Kubernetes verify runAsNonRoot. Only /var/lib/switchyard is writable, for the data plane's
# last-known-good snapshot; with a read-only root filesystem, mount a volume there.
FROM ${NODE_IMAGE} AS control-plane
ENV NODE_ENV=production SWITCHYARD_DATA_DIR=/var/lib/switchyard
WORKDIR /app
COPY --from=control-plane-deps /app ./
COPY packages ./packages
COPY apps/control-plane ./apps/control-plane
RUN mkdir -p /var/lib/switchyard && chown 1000:1000 /var/lib/switchyard
USER 1000:1000
EXPOSE 8081 50051 9091
HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9091)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "/app/apps/control-plane/src/main.ts"]

FROM ${NODE_IMAGE} AS data-plane
ENV NODE_ENV=production SWITCHYARD_DATA_DIR=/var/lib/switchyard
WORKDIR /app
COPY --from=data-plane-deps /app ./
COPY packages ./packages
COPY apps/data-plane ./apps/data-plane
RUN mkdir -p /var/lib/switchyard && chown 1000:1000 /var/lib/switchyard
USER 1000:1000
EXPOSE 8080 9090
HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9090)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "/app/apps/data-plane/src/main.ts"]
