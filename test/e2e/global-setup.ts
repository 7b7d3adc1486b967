// vitest globalSetup of the end-to-end project: takes the machine's end-to-end lock (one run at a time), records the
// machine's state, builds the images (scripts/images.sh, cached), starts the cluster (scripts/cluster.sh up,
// idempotent) and loads the images into it. The last step (steps/teardown.ts) takes the cluster down and compares
// the machine with the state recorded here; if a run stops before it, the teardown below still takes the cluster
// down, and releases the lock.
import type { TestProject } from 'vitest/node';

import { STATE_DIR, script } from './support/scripts.ts';
import { machineState } from './support/machine-state.ts';
import { lockMachine } from './support/run-lock.ts';

const IMAGES = ['docker.io/library/redis:7.4-alpine', 'docker.io/curlimages/curl:8.11.1'];

/** Runs `step` and prints how long it took (a figure for the README, not a check). */
async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  console.log(`e2e setup: ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Not root: nothing to set up, and chart.test.ts fails with NEEDS_ROOT; a throw here would stop the other projects.
  if (process.getuid?.() !== 0) return async () => {};
  const unlock = await lockMachine();
  const down = async () => {
    try {
      await script('cluster.sh', ['down']);
    } finally {
      unlock();
    }
  };
  try {
    // A cluster left running by an earlier run goes first, so that what is recorded is the machine without it.
    await script('cluster.sh', ['down']);
    const before = await machineState(STATE_DIR);
    const image = await timed('scripts/images.sh', () => script('images.sh'));
    const kubeconfig = await timed('scripts/cluster.sh up', () => script('cluster.sh', ['up']));
    await timed('scripts/cluster.sh load (images into containerd)', () => script('cluster.sh', ['load', image, ...IMAGES]));
    project.provide('e2e', { kubeconfig, image, before });
  } catch (error) {
    await down();
    throw error;
  }
  return down;
}
