// A task run at once and then every period on the leader (resync, the catalog watch); stopping waits for a run under way.
import type { Logger } from '../../log.ts';
import type { Runnable } from '../manager.ts';

export function periodic(name: string, periodMs: number, task: () => Promise<void>, log: Logger): Runnable {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    // Runs never overlap: a slow run delays the next one.
    running = task()
      .catch((error: unknown) => log.warn({ err: error, task: name }, 'periodic task failed; trying again next period'))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, periodMs).unref();
      });
  };
  return {
    name,
    needsLeaderElection: true,
    start: run,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
