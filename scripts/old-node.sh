#!/usr/bin/env bash
# Finds a Node older than package.json's engines, Node 20 (Debian's, which many machines still run), for
# test/integration/node-version.test.ts: `npm start` and `npx purser` must say which Node Purser needs. A node of
# major 20 on PATH is used as it is; else node-linux-<arch>@20 from the npm registry, cached like .ci/run's Node 24.
# Prints the binary's path on its last line (progress goes to stderr). With --cached-only it never downloads.
#
#   PURSER_CACHE_DIR  where downloads are kept (default ~/.cache/purser)
set -euo pipefail

cached_only=false
[[ "${1:-}" != --cached-only ]] || cached_only=true

cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
say() { echo "old-node: $*" >&2; }

while read -r candidate; do
  if [[ "$("$candidate" --version 2>/dev/null)" == v20.* ]]; then
    say "using $candidate ($("$candidate" --version))"
    echo "$candidate"
    exit 0
  fi
done < <(which -a node 2>/dev/null || true)

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) say "no node-linux package for $(uname -m)"; exit 1 ;;
esac
binary="$cache/node20/node_modules/node-linux-$arch/bin/node"
if [[ ! -x "$binary" ]]; then
  [[ "$cached_only" == false ]] || { say "no Node 20 on PATH nor in $cache/node20: run scripts/old-node.sh (as .ci/run does)"; exit 1; }
  npm install --no-save --no-audit --no-fund --prefix "$cache/node20" "node-linux-$arch@20" >&2
fi
say "using $binary ($("$binary" --version))"
echo "$binary"
