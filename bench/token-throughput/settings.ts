// What a run measures and for how long, from BENCH_* environment variables (durations in seconds).
import { resolve } from 'node:path';

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got "${raw}"`);
  return value;
}

export const settings = {
  /** Seconds of each measured window. */
  duration: number('BENCH_DURATION', 10),
  /** Seconds of load before each measured window (JIT, caches, connection pools). */
  warmup: number('BENCH_WARMUP', 3),
  /** autocannon connections for client_credentials. */
  connections: number('BENCH_CONNECTIONS', 32),
  /** Concurrent refresh-token chains. */
  chains: number('BENCH_CHAINS', 32),
  /** Measurement rounds; each round measures every target once, in alternating order. The median is reported. */
  rounds: number('BENCH_ROUNDS', 3),
  /** Sequential requests sent afterwards to count Redis round trips per token request. */
  samples: number('BENCH_SAMPLES', 200),
  /** Upper bound on requests per refresh load run, whatever the duration. */
  maxRequests: number('BENCH_MAX_REQUESTS', 2_000_000),
  /** Which scenarios to run (comma-separated), e.g. only one while profiling; all of them by default (run.ts). */
  scenarios: process.env.BENCH_SCENARIOS ? process.env.BENCH_SCENARIOS.split(',').map((s) => s.trim()) : undefined,
  /** Seconds of each round's ES256 sign loop (the floor). */
  signSeconds: number('BENCH_SIGN_SECONDS', 2),
  /** NODE_OPTIONS of the servers (not of the load generators), e.g. `--max-semi-space-size=8`; unset: none. */
  nodeOptions: process.env.BENCH_NODE_OPTIONS || undefined,
  /** More environment of the servers, `NAME=value` separated by spaces, e.g. `MALLOC_ARENA_MAX=2`. */
  serverEnv: Object.fromEntries(
    (process.env.BENCH_SERVER_ENV ?? '').split(/\s+/).filter(Boolean).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`BENCH_SERVER_ENV: expected NAME=value pairs, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  ) as Record<string, string>,
  /** The baseline's storage: `map` (baseline-adapter.ts, O(1)) or `memory` (oidc-provider's stock memory adapter). */
  baselineAdapter: process.env.BENCH_BASELINE_ADAPTER || 'map',
  /** When set, the servers can be told to write a heap snapshot into this folder, and are, after the run. */
  heapSnapshotDir: process.env.BENCH_HEAP_SNAPSHOT ? resolve(process.env.BENCH_HEAP_SNAPSHOT) : undefined,
  /** When set, both servers run with --cpu-prof and write .cpuprofile files into this folder. */
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
};

export type Settings = typeof settings;
