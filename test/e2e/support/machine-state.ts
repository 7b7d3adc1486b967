// What a cluster could leave behind on this machine, as plain comparable lists: `scripts/cluster.sh down` must bring
// each back to what it was before `up` (test/e2e/99-teardown.test.ts compares them).
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MachineState {
  /** Processes of the cluster: every one names its state directory (a pod's processes are checked through cgroups). */
  processes: string[];
  /** Mount points (from /proc/self/mountinfo), including the pods' network namespaces. */
  mounts: string[];
  /** `family table chain` of every iptables and ip6tables chain. */
  chains: string[];
  /** Network links by name (the pods' bridge and veths). */
  links: string[];
  /** `interface address/prefix` of every address (the node address on lo). */
  addresses: string[];
  /**
   * The top-level cgroups of each hierarchy: everything the cluster makes lives below one (its cgroupRoot); deeper
   * levels also hold cgroups that the machine's own supervisor makes and removes per command.
   */
  cgroups: string[];
  /** `name=value` of the sysctls the components change. */
  sysctls: string[];
}

/** The sysctls the kubelet, the bridge plugin and kube-proxy are known to write (see scripts/cluster/env.sh). */
const SYSCTLS = [
  'vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes', 'net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding', 'net/ipv4/conf/all/route_localnet',
  'net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables',
];

function processes(stateDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (command.includes(stateDir)) found.push(`${pid} ${command}`);
    } catch {
      // the process exited while we read
    }
  }
  return found.sort();
}

async function chains(): Promise<string[]> {
  const found: string[] = [];
  for (const family of ['iptables', 'ip6tables']) {
    const { stdout } = await run(`${family}-save`);
    let table = '';
    for (const line of stdout.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith(':')) found.push(`${family} ${table} ${line.slice(1).split(' ')[0]}`);
    }
  }
  return found.sort();
}

function cgroups(): string[] {
  const found: string[] = [];
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    for (const entry of readdirSync(`/sys/fs/cgroup/${hierarchy}`, { withFileTypes: true })) {
      if (entry.isDirectory()) found.push(`/sys/fs/cgroup/${hierarchy}/${entry.name}`);
    }
  }
  return found.sort();
}

function sysctls(): string[] {
  return SYSCTLS.flatMap((name) => {
    try {
      return [`${name}=${readFileSync(`/proc/sys/${name}`, 'utf8').trim()}`];
    } catch {
      return [];
    }
  });
}

/** `stateDir`: the cluster's state directory (PURSER_CLUSTER_DIR of scripts/cluster.sh). */
export async function machineState(stateDir: string): Promise<MachineState> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((line) => line.split(' ')[4]!).sort();
  const { stdout: linkText } = await run('ip', ['-o', 'link', 'show']);
  const { stdout: addressText } = await run('ip', ['-o', 'addr', 'show']);
  return {
    processes: processes(stateDir),
    mounts,
    chains: await chains(),
    links: linkText.trim().split('\n').map((line) => line.split(': ')[1]!.split('@')[0]!).sort(),
    addresses: addressText.trim().split('\n').map((line) => { const [, name, , address] = line.split(/\s+/); return `${name} ${address}`; }).sort(),
    cgroups: cgroups(),
    sysctls: sysctls(),
  };
}
