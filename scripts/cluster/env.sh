# Settings and helpers shared by the steps of scripts/cluster.sh.
#
# Addresses: the node is 10.201.0.1 on `lo`; pods get 10.244.0.0/24 on the bridge purser0; Services get
# 10.96.0.0/24 (kubernetes = 10.96.0.1). None of them leaves this machine: the pods live in network namespaces this
# cluster creates, and Services exist only as kube-proxy's iptables rules here.
repo=$(cd "$here/.." && pwd)
state=${PURSER_CLUSTER_DIR:-/tmp/purser-cluster}
node_ip=10.201.0.1
node_name=purser-node
pod_cidr=10.244.0.0/24
service_cidr=10.96.0.0/24
bridge=purser0
# kubelet's cgroupRoot: every pod's cgroup lives below it, in every hierarchy, so `down` can remove them all.
cgroup_root=purser-cluster
containerd_socket="$state/containerd/containerd.sock"
kubeconfig="$state/kubeconfig"
# Sysctls that the components change: the kubelet (vm.overcommit_memory, vm.panic_on_oom, kernel.panic,
# kernel.panic_on_oops, kernel.keys.*), the bridge plugin (ip_forward) and kube-proxy (route_localnet, conntrack,
# bridge-nf-call-*). `up` records them and `down` writes them back.
sysctls=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)
export CONTAINERS_CONF="$repo/scripts/containers/containers.conf"

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

kubectl_() { kubectl --kubeconfig "$kubeconfig" "$@"; }
ctr_() { ctr --address "$containerd_socket" --namespace k8s.io "$@"; }

# running NAME: whether the process scripts/cluster.sh started as NAME is alive.
running() {
  local pid
  pid=$(cat "$state/pids/$1" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null
}
