// One end-to-end run per machine: the cluster has fixed addresses, a fixed bridge and a fixed state directory, and
// each run starts by taking down whatever cluster it finds. A second run (another checkout, another shell) would take
// down the first one's cluster in the middle of its steps; with this lock it stops at once and says why.
import { spawn } from 'node:child_process';

/** The lock file, next to scripts/cluster.sh's state directory (`flock` creates it). */
export const LOCK_FILE = '/tmp/purser-cluster.lock';

/**
 * Takes the machine's end-to-end lock and returns the function that releases it. The lock is held by a `flock` child
 * that lives as long as its stdin is open, so it is released even if this process dies. Throws if another run holds it.
 */
export async function lockMachine(): Promise<() => void> {
  const holder = spawn('flock', ['--nonblock', LOCK_FILE, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const held = await new Promise<boolean>((resolve, reject) => {
    holder.once('error', reject);
    holder.stdout.once('data', () => resolve(true));
    holder.once('exit', () => resolve(false));
  });
  if (!held) throw new Error(`another end-to-end run holds ${LOCK_FILE} (see \`fuser -v ${LOCK_FILE}\`): one cluster per machine, so this run stops without touching it`);
  return () => holder.stdin.end();
}
