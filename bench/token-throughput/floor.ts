// The machine's floor, measured in the same run: what the cheapest token endpoint costs (a bare Koa app, floor-server.ts,
// loaded like the servers) and what one ES256 signature costs (sign-loop.ts). Purser's and the baseline's CPU per token
// are then printed as multiples of it.
import { fork } from 'node:child_process';

import { cpuPerToken } from './goals.ts';
import { median, tokensPerSecond, type Row } from './report.ts';

const SIGN_LOOP = new URL('./sign-loop.ts', import.meta.url).pathname;

export interface SignLoopResult {
  signatures: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** Runs the ES256 sign loop in its own process for `seconds`, over a signing input of `inputBytes`. */
export function signLoop(inputBytes: number, seconds: number): Promise<SignLoopResult> {
  return new Promise((resolve, reject) => {
    const child = fork(SIGN_LOOP, [String(inputBytes), String(seconds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: SignLoopResult | undefined;
    child.once('message', (message: SignLoopResult) => (result = message));
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`sign loop exited (${code}) without a result`))));
  });
}

/** µs of CPU per signature. */
export const microsPerSignature = (r: SignLoopResult): number => (r.cpuSeconds / r.signatures) * 1e6;

/** The median round's figure. */
function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The floor's lines: Koa's requests/s and CPU per request, the signature's cost, and each server row's CPU per token
 * as a multiple of (Koa request) and of (Koa request + one signature).
 */
export function floorLines(koa: Row, signs: SignLoopResult[], inputBytes: number, rows: Row[]): string[] {
  const koaCpu = cpuPerToken(koa);
  const signUs = medianOf(signs.map(microsPerSignature));
  const lines = [
    `bare Koa POST /token: ${tokensPerSecond(median(koa)).toFixed(0)} requests/s, ${koaCpu === undefined ? '-' : (koaCpu * 1000).toFixed(3)} CPU ms/request (server, all threads)`,
    `ES256 sign loop (node:crypto, ieee-p1363, ${inputBytes}-byte signing input, one core): ${signUs.toFixed(1)} µs CPU per signature` +
      ` (${signs.map((s) => microsPerSignature(s).toFixed(1)).join(', ')} per round; ${(signs[0]!.signatures / signs[0]!.wallSeconds).toFixed(0)} signatures/s)`,
  ];
  if (koaCpu === undefined) return lines;
  const floor = koaCpu + signUs / 1e6;
  lines.push(`floor per JWT = one Koa request + one signature = ${(floor * 1000).toFixed(3)} CPU ms`);
  lines.push('CPU per token as a multiple of the floor (Koa request / Koa request + signature):');
  for (const row of rows) {
    const cpu = cpuPerToken(row);
    if (cpu !== undefined) lines.push(`  ${row.scenario.padEnd(26)} ${row.target.padEnd(8)} ${(cpu / koaCpu).toFixed(1).padStart(5)}x / ${(cpu / floor).toFixed(1).padStart(5)}x`);
  }
  return lines;
}
