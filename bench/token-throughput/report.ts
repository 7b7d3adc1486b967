// Formats what run.ts measured: one table of throughput, latency and CPU, ratios Purser/baseline, Redis traffic.
import type { Measurement } from './load.ts';
import type { RedisSample } from './sample.ts';

export interface Row {
  scenario: string;
  target: string;
  /** Every round's measurement; the table shows the one with the median throughput. */
  rounds: Measurement[];
}

export const tokensPerSecond = (m: Measurement): number => m.ok / m.seconds;

export function median(row: Row): Measurement {
  const sorted = [...row.rounds].sort((a, b) => tokensPerSecond(a) - tokensPerSecond(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const percentOfCore = (seconds: number | undefined, m: Measurement) => (seconds === undefined ? '-' : `${((seconds / m.seconds) * 100).toFixed(0)}%`);

function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

export function resultsTable(rows: Row[]): string {
  const header = ['scenario', 'target', 'tokens/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'main thread', 'CPU ms/token', 'redis CPU', 'loadgen CPU', 'other CPU'];
  const lines = rows.map((row) => {
    const m = median(row);
    const server = m.cpu.server;
    return [
      row.scenario,
      row.target,
      fixed(tokensPerSecond(m), 0),
      fixed(m.latencyMs.p50, 1),
      fixed(m.latencyMs.p99, 1),
      String(m.errors),
      percentOfCore(server, m),
      percentOfCore(m.cpu['server main thread'], m),
      server === undefined || m.ok === 0 ? '-' : fixed((server * 1000) / m.ok, 3),
      percentOfCore(m.cpu.redis, m),
      percentOfCore(m.cpu['load generator'], m),
      percentOfCore(m.cpu.others, m),
    ];
  });
  return table(header, lines);
}

export function roundsLine(row: Row): string | undefined {
  if (row.rounds.length < 2) return undefined;
  return `  ${row.scenario} ${row.target}: tokens/s per round ${row.rounds.map((m) => tokensPerSecond(m).toFixed(0)).join(', ')}`;
}

export function ratioLine(scenario: string, purser: Row, baseline: Row): string {
  const p = median(purser);
  const b = median(baseline);
  const throughput = tokensPerSecond(p) / tokensPerSecond(b);
  const cpuPerToken = p.cpu.server && b.cpu.server ? p.cpu.server / p.ok / (b.cpu.server / b.ok) : undefined;
  return (
    `${scenario.padEnd(25)}  throughput ${throughput.toFixed(2)} (${throughput >= 1 ? '+' : ''}${((throughput - 1) * 100).toFixed(1)}%)` +
    `  p50 ${(p.latencyMs.p50 / b.latencyMs.p50).toFixed(2)}x  p99 ${(p.latencyMs.p99 / b.latencyMs.p99).toFixed(2)}x` +
    (cpuPerToken === undefined ? '' : `  server CPU per token ${cpuPerToken.toFixed(2)}x`)
  );
}

const counts = (perRequest: Record<string, number>) =>
  Object.entries(perRequest)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${fixed(n, 2)}`)
    .join(', ') || 'none';

const sum = (perRequest: Record<string, number>) => Object.values(perRequest).reduce((total, n) => total + n, 0);

export function redisLines(scenario: string, loaded: Measurement, sample: RedisSample): string[] {
  const lines = [`${scenario}:`];
  lines.push(
    `  sequential (${sample.requests} requests, one at a time): ${fixed(sample.roundTrips, 2)} round trips per token; ` +
      `${fixed(sum(sample.sent), 2)} commands sent (${counts(sample.sent)}); ` +
      `${fixed(sum(sample.scripted), 2)} run inside Lua scripts (${counts(sample.scripted)})`,
  );
  if (loaded.redis && loaded.sent) {
    const all = Object.values(loaded.redis.commands).reduce((total, n) => total + n, 0);
    lines.push(
      `  under load (${loaded.sent} requests, warm-up included): ${fixed(loaded.redis.reads / loaded.sent, 2)} network reads per token ` +
        `(auto-pipelining shares reads between concurrent requests); ${fixed(all / loaded.sent, 2)} commands executed per token, scripted ones included`,
    );
  }
  return lines;
}
