// Messages between run.ts and a load generator child (cc-load.ts, refresh-load.ts).

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
}

export interface LoadResult {
  /** Successful token responses inside the measured window. */
  ok: number;
  /** Failed responses and transport errors inside the measured window. */
  errors: number;
  /** Every request sent by the child, warm-up included (for Redis per-request figures). */
  sent: number;
  seconds: number;
  latencyMs: LatencySummary;
  /** The first failure, for the report. */
  firstError?: string;
  /** refresh-load only: the newest refresh token of every chain still alive. */
  tokens?: string[];
}

export type ChildMessage = { phase: 'measuring' } | { phase: 'done'; result: LoadResult } | { phase: 'failed'; error: string };

export interface ClientCredentialsJob {
  url: string;
  /** Absent when the client authenticates in the body (a client assertion). */
  authorization?: string;
  body: string;
  connections: number;
  warmup: number;
  duration: number;
}

export interface RefreshJob {
  url: string;
  authorization: string;
  tokens: string[];
  warmup: number;
  duration: number;
  maxRequests: number;
}

/** Reads the job a child was forked with (one JSON argument). */
export function jobOf<T>(): T {
  const raw = process.argv[2];
  if (!raw || !process.send) throw new Error('a load generator is forked by run.ts with its job as one JSON argument');
  return JSON.parse(raw) as T;
}

/** Sends `message` to run.ts; after the last one the channel closes, so the child can exit. */
export function report(message: ChildMessage): void {
  process.send!(message, () => {
    if (message.phase !== 'measuring') process.disconnect();
  });
}
