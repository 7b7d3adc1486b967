#!/usr/bin/env bash
# Finds or builds the node side of the single-node cluster that scripts/cluster.sh starts: kubelet, kube-proxy,
# kube-scheduler and kube-controller-manager compiled from the Go module proxy (like scripts/control-plane.sh
# builds kube-apiserver), and CoreDNS with only the plugins a cluster's DNS needs. Idempotent and cached by version
# outside the repository; prints the directory that holds the binaries on its last line (progress goes to stderr).
# The Go builds run under `nice -n 19`: they take minutes of both cores on a shared machine.
#
#   PURSER_K8S_VERSION      Kubernetes release to build (default 1.32.13, the control plane's)
#   PURSER_COREDNS_VERSION  CoreDNS release to build (default 1.11.4)
#   PURSER_CACHE_DIR        where builds are kept (default ~/.cache/purser)
set -euo pipefail

version=${PURSER_K8S_VERSION:-1.32.13}
coredns_version=${PURSER_COREDNS_VERSION:-1.11.4}
cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
dir="$cache/node-v$version"
nice_level=19
say() { echo "node-binaries: $*" >&2; }

# shellcheck source=lib/kube-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kube-build.sh"

components=(kubelet kube-proxy kube-scheduler kube-controller-manager)
for name in "${components[@]}"; do
  [[ -x "$dir/$name" ]] || kube_prepare_module k8s.io/kubernetes/cmd/{kubelet,kube-proxy,kube-scheduler,kube-controller-manager}/app
done
for name in "${components[@]}"; do kube_build "$name" "k8s.io/kubernetes/cmd/$name"; done

# CoreDNS' own main imports every plugin of its plugin.cfg; this one registers the few that answer for Services and
# Pods (kubernetes) on the node address only (bind), report health (health, ready) and cache. Without `forward` names outside the cluster are not
# resolved: nothing in the cluster this project starts may reach beyond the machine.
# A cached binary counts only if it has every plugin listed here (`coredns -plugins` names them dns.<plugin>).
coredns_plugins=(bind ready health errors log loadbalance cache kubernetes)
coredns_cached() {
  [[ -x "$dir/coredns" ]] || return 1
  local listed plugin
  listed=$("$dir/coredns" -plugins)
  for plugin in "${coredns_plugins[@]}"; do [[ "$listed" == *" dns.$plugin"* ]] || return 1; done
}

build_coredns() {
  if coredns_cached; then
    say "coredns v$coredns_version cached in $dir"
    return
  fi
  local work
  work=$(mktemp -d)
  say "resolving github.com/coredns/coredns@v$coredns_version in $work"
  local plugins=("${coredns_plugins[@]}")
  (
    cd "$work"
    go mod init purser.dev/coredns >/dev/null 2>&1
    {
      printf 'package main\n\nimport (\n\t"github.com/coredns/coredns/core/dnsserver"\n\t"github.com/coredns/coredns/coremain"\n'
      local plugin
      for plugin in "${plugins[@]}"; do printf '\t_ "github.com/coredns/coredns/plugin/%s"\n' "$plugin"; done
      printf ')\n\n// Directives run in this order, as in CoreDNS'"'"' plugin.cfg.\nfunc init() {\n\tdnsserver.Directives = []string{'
      printf '"%s", ' "${plugins[@]}"
      printf '}\n}\n\nfunc main() { coremain.Run() }\n'
    } >main.go
    go get "github.com/coredns/coredns@v$coredns_version" >/dev/null 2>&1 || go get "github.com/coredns/coredns@v$coredns_version"
    go mod tidy >/dev/null 2>&1 || go mod tidy
    say "compiling coredns with $(go env GOVERSION)"
    mkdir -p "$dir"
    CGO_ENABLED=0 nice -n "$nice_level" go build -trimpath -ldflags "-s -w" -o "$dir/coredns.tmp" .
  )
  rm -rf "$work"
  mv "$dir/coredns.tmp" "$dir/coredns"
  say "built $("$dir/coredns" -version | head -1)"
}
build_coredns
echo "$dir"
