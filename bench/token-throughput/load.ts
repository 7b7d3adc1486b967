// Runs one load generator in its own process and measures the measured window from outside: CPU time of every
// process involved and Redis counters, both taken when the child says it starts measuring and when it is done.
import { fork } from 'node:child_process';

import { cpuMeter } from './cpu.ts';
import type { ChildMessage, ClientCredentialsJob, LoadResult, RefreshJob } from './load-protocol.ts';
import type { RedisCounters, RedisProbe } from './redis-probe.ts';

const now = () => Number(process.hrtime.bigint() / 1000n);

const SCRIPTS = {
  clientCredentials: new URL('./cc-load.ts', import.meta.url).pathname,
  refresh: new URL('./refresh-load.ts', import.meta.url).pathname,
};

export interface Measurement extends LoadResult {
  /** CPU seconds spent in the measured window, by process (server, redis, load generator), and the server's main thread alone. */
  cpu: Record<string, number | undefined>;
  /** Redis counter deltas over the whole child run (warm-up included), when the target uses Redis. */
  redis?: RedisCounters;
  /** The measured window in CLOCK_MONOTONIC microseconds (the clock of V8's CPU profiles). */
  window: [number, number];
}

export interface Watched {
  /** Processes whose CPU time to report, by name. */
  pids: Record<string, number | undefined>;
  redis?: RedisProbe;
}

export async function runLoad(kind: 'clientCredentials', job: ClientCredentialsJob, watched: Watched): Promise<Measurement>;
export async function runLoad(kind: 'refresh', job: RefreshJob, watched: Watched): Promise<Measurement>;
export async function runLoad(kind: keyof typeof SCRIPTS, job: ClientCredentialsJob | RefreshJob, watched: Watched): Promise<Measurement> {
  const before = await watched.redis?.counters();
  const child = fork(SCRIPTS[kind], [JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pids = { ...watched.pids, 'load generator': child.pid };
  const limitMs = (job.warmup + job.duration) * 1000 + 60_000;
  let meter: (() => Record<string, number | undefined>) | undefined;
  let from = now();

  const result = await new Promise<Omit<Measurement, 'redis'>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} load generator still running after ${limitMs / 1000} s; killed`));
    }, limitMs);
    child.on('message', (message: ChildMessage) => {
      if (message.phase === 'measuring') {
        meter = cpuMeter(pids, ['server']);
        from = now();
      } else {
        clearTimeout(timer);
        if (message.phase === 'done') resolve({ ...message.result, cpu: meter ? meter() : {}, window: [from, now()] });
        else reject(new Error(`${kind} load generator failed: ${message.error}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} load generator exited (${code ?? signal}) without a result`));
    });
  });
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  const after = await watched.redis?.counters();
  return { ...result, ...(before && after ? { redis: watched.redis!.delta(before, after) } : {}) };
}
