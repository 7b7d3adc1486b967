# scripts/cluster.sh status: each component's process, then the node and every pod.
for name in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns; do
  if running "$name"; then echo "$name: running (pid $(cat "$state/pids/$name"))"; else echo "$name: stopped"; fi
done
if running kube-apiserver; then
  kubectl_ get nodes -o wide
  kubectl_ get pods -A -o wide
fi
