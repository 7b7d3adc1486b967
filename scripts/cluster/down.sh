# scripts/cluster.sh down: stops everything `up` started and undoes what the components changed on the machine.
# Safe to run twice, and after a failed `up`.
[[ -d "$state" ]] || { say "not up (no $state)"; exit 0; }

# stop NAME: SIGTERM to the process `up` started as NAME, SIGKILL after 15 s.
stop() {
  local pid
  pid=$(cat "$state/pids/$1" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $1"
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/pids/$1"
}

# With the controllers stopped nothing recreates a pod; the kubelet then stops each one the normal way, which
# also has the CNI plugin release its address and network namespace.
drain() {
  running kube-apiserver && running kubelet && running containerd || return 0
  say "deleting every pod"
  kubectl_ delete pods --all --all-namespaces --grace-period=2 --wait=false >/dev/null 2>&1 || true
  local i
  for i in $(seq 120); do
    [[ -z "$(kubectl_ get pods -A -o name 2>/dev/null)" && -z "$(ctr_ tasks ls -q 2>/dev/null)" ]] && return 0
    sleep 0.5
  done
  say "pods still running after 60 s: removing them from containerd directly"
}

# Whatever the kubelet left: tasks, containers, and the shims (they outlive containerd by design).
containers() {
  if running containerd; then
    local id
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop containerd
  local cmdline
  for cmdline in /proc/[0-9]*/cmdline; do
    [[ "$(tr '\0' ' ' <"$cmdline" 2>/dev/null)" == *"-address $containerd_socket "* ]] || continue
    cmdline=${cmdline#/proc/}
    say "stopping containerd shim ${cmdline%/cmdline}"
    kill -9 "${cmdline%/cmdline}" 2>/dev/null || true
  done
}

# Every mount below the state directory (overlay roots, Secret tmpfs, ...), deepest first, and the pods' network
# namespaces that containerd bound under /var/run/netns.
mounts() {
  local mount
  awk -v state="$state/" 'index($5, state) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done
  for mount in /var/run/netns/cni-*; do
    [[ -e "$mount" ]] || continue
    umount "$mount" 2>/dev/null || true
    rm -f "$mount"
  done
}

# The chains kube-proxy, the kubelet and the CNI plugins add (KUBE-*, CNI-*), in both families and every table:
# first the rules of built-in chains that jump to them, then the chains themselves.
iptables_() {
  local tool table rule chain
  for tool in iptables ip6tables; do
    for table in filter nat mangle raw; do
      "$tool-save" -t "$table" 2>/dev/null | awk '/^-A [A-Z]+ .*-j (KUBE|CNI)-/' | while read -r rule; do
        eval "$tool -t $table -D ${rule#-A }" 2>/dev/null || true
      done
      local chains
      chains=$("$tool-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p')
      for chain in $chains; do "$tool" -t "$table" -F "$chain" 2>/dev/null || true; done
      for chain in $chains; do "$tool" -t "$table" -X "$chain" 2>/dev/null || true; done
    done
  done
}

network() {
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge"
  ip addr del "$node_ip/32" dev lo 2>/dev/null || true
}

cgroups() {
  local cgroup
  for cgroup in /sys/fs/cgroup/*/"$cgroup_root"; do
    [[ -d "$cgroup" ]] && find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  for cgroup in /sys/fs/cgroup/*/"$cgroup_root"; do
    [[ -d "$cgroup" ]] && say "cgroup $cgroup still holds processes: $(find "$cgroup" -name cgroup.procs -exec cat {} +)"
  done
  return 0
}

restore_machine() {
  local line
  if [[ -f "$state/sysctl.before" ]]; then
    while read -r line; do sysctl -qw "$line" >/dev/null || say "could not restore $line"; done <"$state/sysctl.before"
  fi
  if [[ -f "$state/paths.absent" ]]; then
    while read -r line; do rm -rf "$line"; done <"$state/paths.absent"
  fi
}

for name in kube-controller-manager kube-scheduler; do stop "$name"; done
drain
for name in kubelet kube-proxy coredns; do stop "$name"; done
containers
for name in kube-apiserver etcd; do stop "$name"; done
mounts
iptables_
network
cgroups
restore_machine
rm -rf "$state"
say "down"
