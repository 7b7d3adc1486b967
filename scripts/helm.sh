#!/usr/bin/env bash
# Finds or builds what the chart tests and scripts/render-deploy.ts need: helm, compiled from the Go module proxy
# (always this pinned build, never a helm from PATH, so renders are reproducible), and the ServiceMonitor CRD of
# prometheus-operator (from the same module proxy), which the test API server needs to check the chart's
# ServiceMonitor. Idempotent and cached by version outside the repository; prints the directory that holds helm on
# its last line (progress goes to stderr).
#
#   PURSER_HELM_VERSION                 helm release to build (default 3.17.4)
#   PURSER_PROMETHEUS_OPERATOR_VERSION  release whose ServiceMonitor CRD is fetched (default 0.85.0)
#   PURSER_CACHE_DIR                    where builds are kept (default ~/.cache/purser)
set -euo pipefail

version=${PURSER_HELM_VERSION:-3.17.4}
operator_version=${PURSER_PROMETHEUS_OPERATOR_VERSION:-0.85.0}
cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
dir="$cache/helm-v$version"
crd_dir="$cache/prometheus-operator-v$operator_version"
work=""
trap '[[ -z "$work" ]] || rm -rf "$work"' EXIT

say() { echo "helm: $*" >&2; }

need_go() {
  command -v go >/dev/null || { say "Go is needed to fetch helm and the ServiceMonitor CRD (https://go.dev/dl)"; exit 1; }
}

# The release Makefile's ldflags: without them `helm version` says "v3.17" and templates see Kubernetes 1.20
# (.Capabilities.KubeVersion) instead of the client-go minor helm was built against.
build_helm() {
  if [[ -x "$dir/helm" ]] && [[ "$("$dir/helm" version --template '{{.Version}}')" == "v$version" ]]; then
    say "helm v$version cached in $dir"
    return
  fi
  need_go
  work=$(mktemp -d)
  say "resolving helm.sh/helm/v3@v$version"
  local gomod client_go
  gomod=$(cd "$work" && go mod download -json "helm.sh/helm/v3@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  client_go=$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")
  local minor=${client_go#v0.}
  minor=${minor%%.*}
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$version"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
  done
  say "compiling helm v$version (Kubernetes 1.$minor) with $(go env GOVERSION) (a few minutes from an empty module cache)"
  (cd "$work" && CGO_ENABLED=0 GOBIN="$work/bin" GOFLAGS=-trimpath go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@v$version")
  mkdir -p "$dir"
  mv "$work/bin/helm" "$dir/helm.tmp"
  mv "$dir/helm.tmp" "$dir/helm"
  say "built $("$dir/helm" version --short)"
}

fetch_servicemonitor_crd() {
  local file="$crd_dir/monitoring.coreos.com_servicemonitors.yaml"
  if [[ -s "$file" ]]; then
    say "ServiceMonitor CRD of prometheus-operator v$operator_version cached in $crd_dir"
    return
  fi
  need_go
  say "fetching github.com/prometheus-operator/prometheus-operator@v$operator_version (a 4 MB module zip)"
  local module
  module=$(cd "${TMPDIR:-/tmp}" && go mod download -json "github.com/prometheus-operator/prometheus-operator@v$operator_version" |
    sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$crd_dir"
  cp "$module/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" "$file.tmp"
  chmod 644 "$file.tmp" # the module cache's files are read-only
  mv "$file.tmp" "$file"
}

# Test files start in parallel, and each may call this script: one builds, the others wait and find the cache.
mkdir -p "$cache"
exec 9>"$cache/.helm.lock"
flock 9
build_helm
fetch_servicemonitor_crd
echo "$dir"
