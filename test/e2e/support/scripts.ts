// The cluster scripts under scripts/, run from the end-to-end global setup and tests.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO = new URL('../../../', import.meta.url).pathname;
export const CHART_DIR = join(REPO, 'charts/purser');
/** scripts/cluster.sh's state directory (its PURSER_CLUSTER_DIR). */
export const STATE_DIR = process.env.PURSER_CLUSTER_DIR ?? '/tmp/purser-cluster';

/** Runs a script under scripts/ and returns its last stdout line (its result); its stderr is its progress. */
export async function script(name: string, args: string[] = [], timeoutMs = 30 * 60_000): Promise<string> {
  const { stdout } = await run('bash', [join(REPO, 'scripts', name), ...args], {
    env: { ...process.env, PURSER_CLUSTER_DIR: STATE_DIR },
    maxBuffer: 1 << 24,
    timeout: timeoutMs,
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}

/**
 * Why the end-to-end project cannot run as a user other than root: its tests fail with this, while the unit and
 * integration projects of the same `npm test` still run.
 */
export const NEEDS_ROOT =
  'the end-to-end project starts a Kubernetes node (containerd, kubelet, iptables) and needs root: run `sudo npm test`, or `npx vitest run --project unit --project integration` for everything else';
