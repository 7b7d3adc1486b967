// kubectl and helm against the real single-node cluster of scripts/cluster.sh, what the global setup
// (test/e2e/global-setup.ts) hands every test file, and polling.
import { execFile } from 'node:child_process';

import { inject } from 'vitest';

import { helm } from '../../support/helm.ts';
import type { MachineState } from './machine-state.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The end-to-end cluster: its admin kubeconfig, the purser image loaded into it, the machine before `up`. */
    e2e: { kubeconfig: string; image: string; before: MachineState };
  }
}

/** kubectl against the cluster; throws with kubectl's stderr when it fails. `input` goes to its stdin. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', inject('e2e').kubeconfig, ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** kubectl … -o json, parsed. */
export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

/** helm against the cluster; throws with helm's stderr when it fails. */
export async function helmCluster(args: string[]): Promise<string> {
  const result = await helm(args, { KUBECONFIG: inject('e2e').kubeconfig });
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** Polls `check` every half second until it returns a value other than undefined; `what` names it in the error. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
