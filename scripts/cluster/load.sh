# scripts/cluster.sh load IMAGE...: copies podman images into the node's containerd (namespace k8s.io, where the
# kubelet looks), skipping those it has under that name already. Names must be fully qualified
# (docker.io/library/redis:7.4-alpine), as containerd stores them.
running containerd || die "the cluster is not up (scripts/cluster.sh up)"
missing=()
present=$(ctr_ images ls -q)
for image in "$@"; do
  grep -qxF "$image" <<<"$present" || missing+=("$image")
done
if ((${#missing[@]})); then
  say "loading ${missing[*]} into containerd"
  podman save --format docker-archive --multi-image-archive "${missing[@]}" | ctr_ images import - >/dev/null
fi
