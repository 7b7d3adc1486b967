#!/usr/bin/env bash
# Finds or builds oauth2-proxy, the Go relying party that test/integration/oauth2-proxy.test.ts drives through a whole
# browser session: compiled from the Go module proxy at a pinned release (never one from PATH, so the test always
# meets the same client). Idempotent and cached by version outside the repository; prints the binary's path on its
# last line (progress goes to stderr). With --cached-only it never builds: it fails when the build is missing.
#
#   PURSER_OAUTH2_PROXY_VERSION  release to build (default 7.15.6)
#   PURSER_CACHE_DIR             where builds are kept (default ~/.cache/purser)
set -euo pipefail

# --cached-only: print what is cached, or fail without building (the tests' mode with CI=true, after .ci/run built).
cached_only=false
[[ "${1:-}" != --cached-only ]] || cached_only=true

version=${PURSER_OAUTH2_PROXY_VERSION:-7.15.6}
cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
dir="$cache/oauth2-proxy-v$version"
binary="$dir/oauth2-proxy"
work=""
trap '[[ -z "$work" ]] || rm -rf "$work"' EXIT

say() { echo "oauth2-proxy: $*" >&2; }

# The release's version string: without it `oauth2-proxy --version` says "undefined".
build() {
  if [[ -x "$binary" ]] && "$binary" --version 2>&1 | grep -q "v$version"; then
    say "v$version cached in $dir"
    return
  fi
  [[ "$cached_only" == false ]] || { say "v$version is not built in $dir: run scripts/oauth2-proxy.sh (as .ci/run does)"; exit 1; }
  command -v go >/dev/null || { say "Go is needed to build oauth2-proxy (https://go.dev/dl)"; exit 1; }
  work=$(mktemp -d)
  say "compiling github.com/oauth2-proxy/oauth2-proxy/v7@v$version with $(go env GOVERSION) (a few minutes from an empty module cache)"
  (cd "$work" && CGO_ENABLED=0 GOBIN="$work/bin" GOFLAGS=-trimpath \
    go install -ldflags "-s -w -X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=v$version" \
    "github.com/oauth2-proxy/oauth2-proxy/v7@v$version")
  mkdir -p "$dir"
  mv "$work/bin/oauth2-proxy" "$binary.tmp"
  mv "$binary.tmp" "$binary"
  say "built $("$binary" --version 2>&1)"
}

# Test files start in parallel, and each may call this script: one builds, the others wait and find the cache.
mkdir -p "$cache"
exec 9>"$cache/.oauth2-proxy.lock"
flock 9
build
echo "$binary"
