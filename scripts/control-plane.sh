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
work=""
trap '[[ -z "$work" ]] || rm -rf "$work"' EXIT

say() { echo "control-plane: $*" >&2; }

# A throwaway module that requires k8s.io/kubernetes with its staging modules (required at v0.0.0 and replaced by
# local paths in its own go.mod) pointed at their published v0.<minor> releases.
prepare_module() {
  [[ -n "$work" ]] && return
  command -v go >/dev/null || { say "Go is needed to build Kubernetes binaries (https://go.dev/dl)"; exit 1; }
  work=$(mktemp -d)
  say "resolving k8s.io/kubernetes@v$version in $work"
  (
    cd "$work"
    go mod init purser.dev/control-plane >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    {
      echo "require k8s.io/kubernetes v$version"
      awk '/^\tk8s\.io\/[a-z0-9-]+ v0\.0\.0$/ {print $1}' "$gomod" | sort -u |
        while read -r module; do echo "replace $module => $module v0.${version#1.}"; done
    } >>go.mod
    printf 'package main\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\t_ "k8s.io/kubectl/pkg/cmd"\n)\n\nfunc main() {}\n' >main.go
    say "downloading modules"
    go mod tidy >/dev/null 2>&1 || go mod tidy
  )
}

build() {
  local name=$1 package=$2
  if [[ -x "$dir/$name" ]]; then
    say "$name v$version cached in $dir"
    return
  fi
  prepare_module
  local pkg=k8s.io/component-base/version minor=${version#1.}
  local ldflags="-s -w -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  say "compiling $name with $(go env GOVERSION) (a few minutes, several GB of RAM)"
  mkdir -p "$dir"
  (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/$name.tmp" "$package")
  mv "$dir/$name.tmp" "$dir/$name"
  say "built $("$dir/$name" --version 2>/dev/null || "$dir/$name" version --client 2>/dev/null | head -1)"
}

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
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
command -v kubectl >/dev/null || build kubectl k8s.io/kubernetes/cmd/kubectl
link_etcd
echo "$dir"
