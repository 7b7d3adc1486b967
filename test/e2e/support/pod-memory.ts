// A pod's memory as the kubelet counts it (the working set: usage less inactive file pages), read from the pod's
// cgroup on this node (cgroup v1 memory hierarchy, below scripts/cluster.sh's cgroupRoot).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup/memory/purser-cluster/kubepods';

function podCgroup(uid: string): string {
  const name = `pod${uid}`;
  for (const dir of [ROOT, join(ROOT, 'burstable'), join(ROOT, 'besteffort')]) {
    if (readdirSync(dir).includes(name)) return join(dir, name);
  }
  throw new Error(`no memory cgroup for pod ${uid} below ${ROOT}`);
}

/** The working set of the pod with this uid, in MiB. */
export function podMemoryMiB(uid: string): number {
  const dir = podCgroup(uid);
  const usage = Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8'));
  const inactiveFile = Number(/^total_inactive_file (\d+)$/m.exec(readFileSync(join(dir, 'memory.stat'), 'utf8'))?.[1] ?? 0);
  return (usage - inactiveFile) / 2 ** 20;
}
