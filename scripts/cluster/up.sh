# scripts/cluster.sh up: starts what is not running yet, in dependency order, and waits for each piece.
[[ $EUID -eq 0 ]] || die "needs root (containerd, the kubelet, iptables)"
for tool in containerd containerd-shim-runc-v2 runc ctr iptables ip6tables openssl podman kubectl curl; do
  command -v "$tool" >/dev/null || die "$tool is missing: see .ci/run for the Debian packages"
done
cni_bin=/usr/lib/cni
[[ -x "$cni_bin/bridge" ]] || die "$cni_bin/bridge is missing: apt-get install containernetworking-plugins"

control_plane=$(bash "$repo/scripts/control-plane.sh")
node_bin=$(bash "$repo/scripts/node-binaries.sh")
mkdir -p "$state"/{pids,logs,certs,cni,volumes}

# start NAME BINARY ARG...: runs BINARY in its own session (it outlives this script), logging to logs/NAME.log.
start() {
  local name=$1
  shift
  if running "$name"; then say "$name already running"; return 1; fi
  say "starting $name"
  setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$state/pids/$name"
}

# wait_for NAME SECONDS COMMAND...: polls COMMAND until it succeeds; fails early when NAME's process died.
wait_for() {
  local name=$1 seconds=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    running "$name" || { tail -20 "$state/logs/$name.log" >&2; die "$name exited; its log: $state/logs/$name.log"; }
    ((SECONDS < deadline)) || { tail -20 "$state/logs/$name.log" >&2; die "$name not ready after ${seconds}s; its log: $state/logs/$name.log"; }
    sleep 0.5
  done
}

# What down must restore, recorded once (a second `up` must not record a state the first one made).
record_machine() {
  [[ -e "$state/sysctl.before" ]] && return
  local name
  for name in "${sysctls[@]}"; do
    [[ -e "/proc/sys/${name//.//}" ]] && echo "$name=$(sysctl -n "$name")"
  done >"$state/sysctl.before"
  local path
  for path in /run/containerd /var/run/netns /var/log/pods /var/log/containers /var/lib/kubelet /var/lib/containerd \
    /var/lib/cni /etc/cni /opt/cni; do
    [[ -e "$path" ]] || echo "$path"
  done >"$state/paths.absent"
}

node_address() {
  [[ "$(ip -4 -o addr show dev lo)" == *" $node_ip/"* ]] || ip addr add "$node_ip/32" dev lo
}

credentials() {
  [[ -s "$state/certs/sa.key" ]] && return
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$state/certs/sa.key" 2>/dev/null
  openssl pkey -in "$state/certs/sa.key" -pubout -out "$state/certs/sa.pub"
  local token
  token=$(openssl rand -hex 24)
  echo "$token,admin,admin,system:masters" >"$state/certs/tokens.csv"
  chmod 600 "$state/certs/"*
}

etcd_() {
  start etcd "$control_plane/etcd" --data-dir="$state/etcd" --name=default \
    --listen-client-urls="http://$node_ip:2379" --advertise-client-urls="http://$node_ip:2379" \
    --listen-peer-urls="http://$node_ip:2380" --initial-advertise-peer-urls="http://$node_ip:2380" \
    --initial-cluster="default=http://$node_ip:2380" --unsafe-no-fsync=true --log-level=warn || return 0
  wait_for etcd 60 curl -sf "http://$node_ip:2379/health"
}

apiserver() {
  start kube-apiserver "$control_plane/kube-apiserver" --etcd-servers="http://$node_ip:2379" \
    --cert-dir="$state/certs" --bind-address="$node_ip" --advertise-address="$node_ip" --secure-port=6443 \
    --token-auth-file="$state/certs/tokens.csv" --authorization-mode=RBAC --allow-privileged=true \
    --service-cluster-ip-range="$service_cidr" --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$state/certs/sa.pub" --service-account-signing-key-file="$state/certs/sa.key" \
    --kubelet-preferred-address-types=InternalIP --v=0 || true
  local token
  token=$(cut -d, -f1 "$state/certs/tokens.csv")
  wait_for kube-apiserver 120 curl -sf --cacert "$state/certs/apiserver.crt" -H "Authorization: Bearer $token" \
    "https://$node_ip:6443/readyz"
  # The self-signed certificate the API server made for itself (with its CA) is what pods trust: the
  # controller-manager publishes it as kube-root-ca.crt.
  cat >"$kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: purser
  cluster: {server: "https://$node_ip:6443", certificate-authority: "$state/certs/apiserver.crt"}
users:
- name: admin
  user: {token: "$token"}
contexts:
- name: purser
  context: {cluster: purser, user: admin}
current-context: purser
YAML
  chmod 600 "$kubeconfig"
}

controllers() {
  # No certificate signing (nothing here asks for certificates), no cloud.
  start kube-controller-manager "$node_bin/kube-controller-manager" --kubeconfig="$kubeconfig" \
    --service-account-private-key-file="$state/certs/sa.key" --root-ca-file="$state/certs/apiserver.crt" \
    --controllers='*,-csrsigning,-csrapproving,-csrcleaner,-nodeipam,-cloud-node-lifecycle,-service-lb-controller' \
    --cluster-cidr="$pod_cidr" --service-cluster-ip-range="$service_cidr" --leader-elect=false \
    --bind-address="$node_ip" --secure-port=10257 --v=0 || true
  start kube-scheduler "$node_bin/kube-scheduler" --kubeconfig="$kubeconfig" --leader-elect=false \
    --bind-address="$node_ip" --secure-port=10259 --v=0 || true
}

containerd_() {
  mkdir -p "$state/containerd" "$state/cni/net.d"
  cat >"$state/cni/net.d/10-purser.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "purser",
  "plugins": [
    {
      "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {"type": "host-local", "ranges": [[{"subnet": "$pod_cidr"}]], "routes": [{"dst": "0.0.0.0/0"}],
               "dataDir": "$state/cni/ipam"}
    },
    {"type": "loopback"}
  ]
}
JSON
  cat >"$state/containerd/config.toml" <<TOML
version = 2
root = "$state/containerd/root"
state = "$state/containerd/state"
[grpc]
  address = "$containerd_socket"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  stream_server_address = "127.0.0.1"
  # The kubelet asks for a negative OOM score for sandboxes (-998), which needs CAP_SYS_RESOURCE that the machines this
  # project is built on lack (runc then fails with "can't get final child's PID from pipe"): no lower than containerd's.
  restrict_oom_score_adj = true
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$state/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin"
    conf_dir = "$state/cni/net.d"
TOML
  start containerd containerd --config "$state/containerd/config.toml" || return 0
  wait_for containerd 60 ctr --address "$containerd_socket" version
}

kubelet_() {
  mkdir -p "$state/kubelet"
  # Pods resolve through CoreDNS only; no search domain or server of this machine leaks into them.
  echo "nameserver $node_ip" >"$state/resolv.conf"
  local cgroup
  for cgroup in /sys/fs/cgroup/*/; do
    [[ -e "$cgroup/cgroup.procs" ]] && mkdir -p "$cgroup$cgroup_root"
  done
  # Anonymous access to the kubelet's API (logs, exec) is limited to the node address on lo; image garbage
  # collection is off since no image can be pulled again; Secrets and ConfigMaps are re-read every 10 s so
  # a rotated key reaches pods quickly; the node's allocatable is not enforced (the machine is shared); no
  # negative OOM score (the sandboxes of these machines lack CAP_SYS_RESOURCE).
  cat >"$state/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
healthzBindAddress: $node_ip
readOnlyPort: 0
containerRuntimeEndpoint: unix://$containerd_socket
cgroupDriver: cgroupfs
cgroupRoot: /$cgroup_root
cgroupsPerQOS: true
enforceNodeAllocatable: []
failSwapOn: false
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [$node_ip]
resolvConf: $state/resolv.conf
podLogsDir: $state/pod-logs
syncFrequency: 10s
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
registerNode: true
oomScoreAdj: 0
YAML
  start kubelet "$node_bin/kubelet" --config="$state/kubelet/config.yaml" --kubeconfig="$kubeconfig" \
    --root-dir="$state/kubelet" --cert-dir="$state/kubelet/pki" --hostname-override="$node_name" \
    --node-ip="$node_ip" --v=0 || true
  wait_for kubelet 120 node_ready
}

node_ready() {
  [[ "$(kubectl_ get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

proxy() {
  # Conntrack limits and localhost node ports stay as the machine has them (they are system-wide sysctls).
  start kube-proxy "$node_bin/kube-proxy" --kubeconfig="$kubeconfig" --hostname-override="$node_name" \
    --proxy-mode=iptables --cluster-cidr="$pod_cidr" --conntrack-max-per-core=0 --oom-score-adj=0 \
    --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 --iptables-localhost-nodeports=false \
    --bind-address="$node_ip" --healthz-bind-address="$node_ip:10256" --metrics-bind-address="$node_ip:10249" \
    --v=0 || return 0
  wait_for kube-proxy 60 curl -sf "http://$node_ip:10256/healthz"
}

dns() {
  cat >"$state/Corefile" <<COREFILE
.:53 {
    bind $node_ip
    errors
    health $node_ip:8080
    ready $node_ip:8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $kubeconfig
        pods insecure
    }
    cache 30
    loadbalance
}
COREFILE
  start coredns "$node_bin/coredns" -conf "$state/Corefile" || return 0
  wait_for coredns 60 curl -sf "http://$node_ip:8181/ready"
}

# The bundled Redis' claim binds to one of these (no provisioner: hostPath volumes made in the state directory).
# hostPath ignores fsGroup, so the directories are writable to every uid.
storage() {
  local i manifest=""
  for i in 1 2 3; do
    mkdir -p "$state/volumes/pv$i"
    chmod 0777 "$state/volumes/pv$i"
    manifest+="
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: purser-pv$i}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  hostPath: {path: $state/volumes/pv$i, type: Directory}"
  done
  kubectl_ apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
$manifest
YAML
}

record_machine
node_address
credentials
etcd_
apiserver
controllers
containerd_
bash "$repo/scripts/cluster.sh" load registry.k8s.io/pause:3.10
kubelet_
proxy
dns
storage
say "up: export KUBECONFIG=$kubeconfig"
echo "$kubeconfig"
