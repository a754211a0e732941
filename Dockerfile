# Stratus node: the orchestrator with Debian's Chromium and ffmpeg. docs/deploy.md says how to run it.
# Build: docker build -t stratus .

# The build stage has the dev tools (TypeScript, esbuild); the image gets only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx tsc -b \
 && node scripts/build-bundles.js \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# Debian's Chromium and ffmpeg, as on a development machine; tini reaps Chromium's children and
# passes SIGTERM on, so the node drains before it stops.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ffmpeg fonts-dejavu-core tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
# Production defaults: listen on every interface, refuse the public development secret (set
# STRATUS_AUTH_SECRET), no development media origin, stores on the volume.
ENV NODE_ENV=production \
    STRATUS_SERVER_HOST=0.0.0.0 \
    STRATUS_SERVER_PORT=8080 \
    STRATUS_AUTH_MODE=production \
    STRATUS_MEDIA_FIXTURE_ORIGIN=off \
    STRATUS_API_DATA_DIR=/var/lib/stratus/data
RUN mkdir -p /var/lib/stratus/data && chown -R node:node /var/lib/stratus
# The node image's unprivileged user; Chromium runs with --no-sandbox inside the container.
USER node
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
# --initial-old-space-size: docs/deploy.md, "Node".
CMD ["node", "--initial-old-space-size=256", "orchestrator/dist/src/main.js"]
