# The Purser image: `node src/cli.ts <command>` on Node 24, production dependencies only, as a non-root user, with
# nothing written to the filesystem at run time (the chart mounts the root filesystem read-only).
# test/integration/image.test.ts rebuilds this layout from the instructions below and runs it: keep to the
# instructions it understands (it fails on any other), or teach it the new one.
#
# node:24-slim is Debian with glibc, which the prebuilt @node-rs/argon2 binaries need (alpine would need the musl
# ones). Pin the digest (`node:24-slim@sha256:...`) for reproducible releases; the machines this repository is
# built on have no registry access to look it up, so it is not pinned here.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script (native code comes as prebuilt optional packages such as
# @node-rs/argon2-linux-x64-gnu), so scripts are skipped: a compromised package cannot run code at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
LABEL org.opencontainers.image.title="purser" \
      org.opencontainers.image.description="Kubernetes-native OAuth 2.0 / OpenID Connect authorization server" \
      org.opencontainers.image.source="https://github.com/purser-dev/purser" \
      org.opencontainers.image.licenses="Apache-2.0"
# NODE_DISABLE_COMPILE_CACHE: Node must never try to write a compile cache onto the read-only filesystem, even if
# NODE_COMPILE_CACHE is set by mistake or a dependency calls module.enableCompileCache().
# PURSER_HOST and PURSER_LOG_FORMAT are production's defaults, set here so that dev mode (`server --dev`, whose
# defaults suit `npm start`: 127.0.0.1 and pretty logs) is reachable through a published port and logs JSON.
# PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY: dev mode's local ServiceAccount issuer key is made on first use; /app is
# read-only, so it goes under /tmp, where `docker exec <container> purser mint-sa-token ...` finds it too.
ENV NODE_ENV=production \
    NODE_DISABLE_COMPILE_CACHE=1 \
    PURSER_HOST=0.0.0.0 \
    PURSER_LOG_FORMAT=json \
    PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY=/tmp/purser-dev/service-account-issuer.jwk
WORKDIR /app
# Root owns the files and user 1000 cannot change them: a compromised process cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
# Dev mode's clients (PURSER_CLIENTS_DIR defaults to examples/clients with --dev): a trial needs no mount.
COPY examples/clients ./examples/clients
# Numeric (the image's `node` user), so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000
# 4000: OAuth/OIDC server; 9090: server metrics with PURSER_METRICS_PORT=9090; 8081: controller health and metrics.
EXPOSE 4000 9090 8081
# node directly, not npm: npm would want a writable cache and HOME, and would stand between the process and SIGTERM.
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["server"]
