// With BENCH_HEAP_SNAPSHOT=<dir>: each server runs with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>`, and
// after the run it is sent SIGUSR2. V8 collects all garbage before it writes a snapshot, so the heap read right after
// is the live heap; the snapshot itself says what holds it (heap-snapshot-summary.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { ServerProcess } from './servers.ts';

export const snapshotFlags = (dir: string): string[] => ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];

const POLL_MS = 200;
const TIMEOUT_MS = 120_000;

/** Signals `server` to write a heap snapshot into `dir` and resolves with the file once it is complete. */
export async function takeSnapshot(server: ServerProcess, dir: string): Promise<string> {
  const pid = String(server.child.pid);
  const ours = async () => (await readdir(dir)).filter((file) => file.endsWith('.heapsnapshot') && file.split('.').includes(pid));
  const before = new Set(await ours());
  server.child.kill('SIGUSR2');
  const until = Date.now() + TIMEOUT_MS;
  let file: string | undefined;
  while (!file) {
    if (Date.now() > until) throw new Error(`${server.name} wrote no heap snapshot into ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    file = (await ours()).find((name) => !before.has(name));
  }
  // The snapshot is written on the server's main thread: once the server answers again, the file is complete.
  await server.heap();
  return join(dir, file);
}
