// With BENCH_CPU_PROF: names each server's profile after its target and writes windows.json, which tells
// profile-summary.ts when each scenario was measured and how many tokens it issued then.
import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Row } from './report.ts';

/**
 * Per target: its profile file and, per scenario, the measured windows, the tokens issued and the server's CPU seconds
 * in them, all threads and the main thread alone (from /proc; a profile's sample times are wall-clock time).
 */
export type ProfileIndex = Record<string, { file: string; scenarios: Record<string, { windows: [number, number][]; tokens: number; cpuSeconds?: number; mainThreadSeconds?: number }> }>;

/** Call after the servers have exited (V8 writes a profile when its process exits). */
export async function indexProfiles(dir: string, targets: { name: string; pid: number | undefined }[], rows: Row[]): Promise<void> {
  const files = await readdir(dir);
  const index: ProfileIndex = {};
  for (const { name, pid } of targets) {
    const written = files.find((file) => file.endsWith('.cpuprofile') && file.split('.').includes(String(pid)));
    if (!written) continue;
    await rename(join(dir, written), join(dir, `${name}.cpuprofile`));
    const scenarios = Object.fromEntries(
      rows
        .filter((row) => row.target === name)
        .map((row) => [
          row.scenario,
          {
            windows: row.rounds.map((m) => m.window),
            tokens: row.rounds.reduce((sum, m) => sum + m.ok, 0),
            cpuSeconds: row.rounds.reduce((sum, m) => sum + (m.cpu.server ?? 0), 0),
            mainThreadSeconds: row.rounds.reduce((sum, m) => sum + (m.cpu['server main thread'] ?? 0), 0),
          },
        ]),
    );
    index[name] = { file: `${name}.cpuprofile`, scenarios };
  }
  await writeFile(join(dir, 'windows.json'), `${JSON.stringify(index, null, 2)}\n`);
}
