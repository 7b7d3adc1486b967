// CPU time of a process (user + system), read from /proc: Linux only, undefined elsewhere.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds of a process, all threads; of its main thread alone with `mainThread` (its task whose id is the pid). */
export function cpuSeconds(pid: number | undefined, mainThread = false): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ")"; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine, all cores (everything but idle and iowait in /proc/stat). */
export function machineBusySeconds(): number | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds several processes spent between now and when the returned function is called, plus `others`:
 * what the rest of the machine (this process included) spent meanwhile, to tell a quiet run from a disturbed one.
 * `mainThreads`: processes whose main thread's CPU seconds to report too, as `<name> main thread`.
 */
export function cpuMeter(pids: Record<string, number | undefined>, mainThreads: string[] = []): () => Record<string, number | undefined> {
  const read = (): Record<string, number | undefined> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])),
    ...Object.fromEntries(mainThreads.map((name) => [`${name} main thread`, cpuSeconds(pids[name], true)])),
    machine: machineBusySeconds(),
  });
  const before = read();
  return () => {
    const after = read();
    const spent = Object.fromEntries(
      Object.keys(after).map((name) => {
        const start = before[name];
        const end = after[name];
        return [name, start === undefined || end === undefined ? undefined : end - start];
      }),
    );
    const ours = Object.keys(pids).reduce((sum, name) => sum + (spent[name] ?? 0), 0);
    const { machine, ...processes } = spent;
    return { ...processes, others: machine === undefined ? undefined : Math.max(0, machine - ours) };
  };
}
