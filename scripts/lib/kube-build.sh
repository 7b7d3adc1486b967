# Sourced by scripts/control-plane.sh and scripts/node-binaries.sh: compiles Kubernetes binaries from the Go module
# proxy in a throwaway module. The caller sets `version` (e.g. 1.32.13), `dir` (the cache directory of the
# binaries) and `say` (progress on stderr), and may set `nice_level` (default 0) to build at a lower priority.
#
# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/kubelet, ...) at v0.0.0 and replaces them with
# local paths in its own go.mod; the throwaway module points each at its published v0.<minor> instead. A few
# staging modules are missing from the proxy at some patch releases: PURSER_K8S_REPLACE_PINS names the release to
# use for those ("module@version ...", default: k8s.io/endpointslice@v0.32.12, since the proxy refuses
# k8s.io/endpointslice@v0.32.13).
kube_work=""
trap '[[ -z "$kube_work" ]] || rm -rf "$kube_work"' EXIT

# kube_prepare_module PACKAGE...: a throwaway module whose main imports PACKAGE..., with modules downloaded.
kube_prepare_module() {
  [[ -n "$kube_work" ]] && return
  command -v go >/dev/null || { say "Go is needed to build Kubernetes binaries (https://go.dev/dl)"; exit 1; }
  kube_work=$(mktemp -d)
  say "resolving k8s.io/kubernetes@v$version in $kube_work"
  local pins=${PURSER_K8S_REPLACE_PINS:-k8s.io/endpointslice@v0.32.12}
  (
    cd "$kube_work"
    go mod init purser.dev/kube-build >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    {
      echo "require k8s.io/kubernetes v$version"
      awk '/^\tk8s\.io\/[a-z0-9-]+ v0\.0\.0$/ {print $1}' "$gomod" | sort -u |
        while read -r module; do
          local release="v0.${version#1.}" pin
          for pin in $pins; do [[ "${pin%@*}" == "$module" ]] && release=${pin#*@}; done
          echo "replace $module => $module $release"
        done
    } >>go.mod
    {
      printf 'package main\n\nimport (\n'
      local package
      for package in "$@"; do printf '\t_ "%s"\n' "$package"; done
      printf ')\n\nfunc main() {}\n'
    } >main.go
    say "downloading modules"
    go mod tidy >/dev/null 2>&1 || go mod tidy
  )
}

# kube_build NAME PACKAGE: builds PACKAGE into $dir/NAME unless it is there. The module must import PACKAGE's
# dependencies (kube_prepare_module with PACKAGE's app package, or PACKAGE itself).
kube_build() {
  local name=$1 package=$2
  if [[ -x "$dir/$name" ]]; then
    say "$name v$version cached in $dir"
    return
  fi
  [[ -n "$kube_work" ]] || { say "internal error: kube_prepare_module must run before kube_build $name"; exit 1; }
  local pkg=k8s.io/component-base/version minor=${version#1.}
  local ldflags="-s -w -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  say "compiling $name with $(go env GOVERSION) (a few minutes, several GB of RAM)"
  mkdir -p "$dir"
  (cd "$kube_work" && CGO_ENABLED=0 nice -n "${nice_level:-0}" go build -trimpath -ldflags "$ldflags" -o "$dir/$name.tmp" "$package")
  mv "$dir/$name.tmp" "$dir/$name"
  say "built $("$dir/$name" --version 2>/dev/null || "$dir/$name" version --client 2>/dev/null | head -1)"
}
