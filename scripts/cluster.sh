#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for the end-to-end tests (test/e2e) and for trying the chart
# by hand. Everything listens on one node address put on `lo` (no network link is created besides the pods' bridge);
# state, logs and the kubeconfig live in one directory. Needs root, and the binaries of scripts/control-plane.sh and
# scripts/node-binaries.sh and Debian's containerd, runc, containernetworking-plugins and iptables.
#
#   scripts/cluster.sh up            start it (idempotent); prints the kubeconfig's path on its last line
#   scripts/cluster.sh load IMAGE... copy podman images into the node's containerd (pods use imagePullPolicy Never
#                                    or IfNotPresent: nothing can be pulled)
#   scripts/cluster.sh status        what runs
#   scripts/cluster.sh down          stop it and leave the machine as `up` found it: processes, mounts, network
#                                    namespaces, iptables chains, the bridge, the node address, cgroups, sysctls
#
#   PURSER_CLUSTER_DIR  state directory (default /tmp/purser-cluster)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cluster/env.sh
source "$here/cluster/env.sh"

case "${1:-}" in
  up) source "$here/cluster/up.sh" ;;
  load) shift; source "$here/cluster/load.sh" ;;
  status) source "$here/cluster/status.sh" ;;
  down) source "$here/cluster/down.sh" ;;
  *) echo "usage: $0 up|load IMAGE...|status|down" >&2; exit 2 ;;
esac
