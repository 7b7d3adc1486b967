// Load generator child: refresh-token rotation. Each chain sends its current refresh token and keeps the one it
// gets back, so every request depends on the previous one; the chains run concurrently, over keep-alive
// connections (one per chain). Warm-up, then a measured window; then in-flight requests finish and the newest
// token of each chain goes back to run.ts.
import { Agent, request } from 'node:http';

import { jobOf, report, type LatencySummary, type RefreshJob } from './load-protocol.ts';

const job = jobOf<RefreshJob>();
const target = new URL('/token', job.url);
const agent = new Agent({ keepAlive: true, maxSockets: job.tokens.length });

interface TokenResponse {
  status: number;
  body: string;
}

function post(body: string): Promise<TokenResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent,
        headers: { authorization: job.authorization, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const start = performance.now();
const measureFrom = start + job.warmup * 1000;
const measureUntil = measureFrom + job.duration * 1000;
const latencies: number[] = [];
let sent = 0;
let ok = 0;
let errors = 0;
let firstError: string | undefined;
let announced = false;

async function chain(token: string): Promise<string | undefined> {
  let current = token;
  while (performance.now() < measureUntil && sent < job.maxRequests) {
    const began = performance.now();
    if (!announced && began >= measureFrom) {
      announced = true;
      report({ phase: 'measuring' });
    }
    sent++;
    const counted = began >= measureFrom;
    let next: string | undefined;
    try {
      const response = await post(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current }).toString());
      next = response.status === 200 ? (JSON.parse(response.body) as { refresh_token?: string }).refresh_token : undefined;
      if (!next) firstError ??= `HTTP ${response.status}: ${response.body.slice(0, 300)}`;
    } catch (error) {
      firstError ??= String(error);
    }
    const ended = performance.now();
    if (counted && ended <= measureUntil) {
      if (next) {
        ok++;
        latencies.push(ended - began);
      } else errors++;
    }
    // A failed rotation ends the chain: its old token is spent (or was never valid).
    if (!next) return undefined;
    current = next;
  }
  return current;
}

function summarize(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
  return { p50: at(0.5), p99: at(0.99), mean: values.reduce((sum, v) => sum + v, 0) / (values.length || 1) };
}

try {
  const finals = await Promise.all(job.tokens.map(chain));
  agent.destroy();
  report({
    phase: 'done',
    result: {
      ok,
      errors,
      sent,
      seconds: job.duration,
      latencyMs: summarize(latencies),
      ...(firstError ? { firstError } : {}),
      tokens: finals.filter((token): token is string => token !== undefined),
    },
  });
} catch (error) {
  report({ phase: 'failed', error: String((error as Error).stack ?? error) });
}
