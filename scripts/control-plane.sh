#!/usr/bin/env bash
# Finds or builds the control plane the integration tests run against, the way controller-runtime's envtest
# does: kube-apiserver compiled from the Go module proxy, etcd from Debian (etcd-server), kubectl from PATH or
# compiled the same way. Idempotent and cached by version outside the repository; prints the directory that
# holds the binaries on its last line (progress goes to stderr).
#
#   PURSER_K8S_VERSION   kube-apiserver release to build (default 1.32.13)
#   PURSER_CACHE_DIR     where builds are kept (default ~/.cache/purser)
set -euo pipefail

version=${PURSER_K8S_VERSION:-1.32.13}
cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
dir="$cache/control-plane-v$version"
say() { echo "control-plane: $*" >&2; }

# shellcheck source=lib/kube-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kube-build.sh"

# Resolves modules only when something is missing: a cached control plane needs no network.
need() { [[ -x "$dir/$1" ]] || kube_prepare_module k8s.io/kubernetes/cmd/kube-apiserver/app k8s.io/kubectl/pkg/cmd; }

link_etcd() {
  local found
  found=$(command -v etcd || true)
  [[ -n "$found" ]] || { say "etcd not found: install Debian's etcd-server (apt-get install etcd-server)"; exit 1; }
  mkdir -p "$dir"
  ln -sf "$found" "$dir/etcd"
  say "using $("$dir/etcd" --version | head -1) from $found"
}

# One build at a time: parallel test runs (or CI and a developer) would otherwise race on the same cache entry.
mkdir -p "$cache"
exec 9>"$cache/.control-plane.lock"
flock 9
need kube-apiserver
kube_build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
if ! command -v kubectl >/dev/null; then
  need kubectl
  kube_build kubectl k8s.io/kubernetes/cmd/kubectl
fi
link_etcd
echo "$dir"
