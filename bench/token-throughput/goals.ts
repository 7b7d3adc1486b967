// Issue 16's goals, as ratios Purser ÷ bare oidc-provider measured in the same run, and the Redis round trips per
// token counted on sequential requests. Each prints as one line, met or NOT met.
import { median, tokensPerSecond, type Row } from './report.ts';
import type { RedisSample } from './sample.ts';
import type { Scenario } from './scenarios.ts';

interface Goal {
  /** Purser's throughput at least this multiple of the baseline's. */
  throughput: number;
  /** Purser's server CPU per token at most this multiple of the baseline's. */
  cpuPerToken?: number;
  /** At most this many Redis round trips per token (sequential requests). */
  roundTrips?: number;
}

export const GOALS: Partial<Record<Scenario, Goal>> = {
  client_credentials: { throughput: 1.2, cpuPerToken: 0.85 },
  client_credentials_sa: { throughput: 1.2, cpuPerToken: 0.85 },
  client_credentials_opaque: { throughput: 1.0, roundTrips: 1 },
  refresh_token: { throughput: 1.0, roundTrips: 2 },
};

/** Server CPU seconds per token of a measurement, or undefined when not measured. */
export function cpuPerToken(row: Row): number | undefined {
  const m = median(row);
  return m.cpu.server === undefined || m.ok === 0 ? undefined : m.cpu.server / m.ok;
}

const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

/** One line per figure the goal of `scenario` names; none when the scenario has no goal. */
export function goalLines(scenario: Scenario, purser: Row, baseline: Row, sample: RedisSample | undefined): string[] {
  const goal = GOALS[scenario];
  if (!goal) return [];
  const lines: string[] = [];
  const throughput = tokensPerSecond(median(purser)) / tokensPerSecond(median(baseline));
  lines.push(`goal ${scenario}: throughput >= ${goal.throughput.toFixed(2)}x baseline: ${verdict(throughput >= goal.throughput)} (${throughput.toFixed(2)}x)`);
  if (goal.cpuPerToken !== undefined) {
    const [p, b] = [cpuPerToken(purser), cpuPerToken(baseline)];
    const ratio = p === undefined || b === undefined ? undefined : p / b;
    lines.push(`goal ${scenario}: CPU per token <= ${goal.cpuPerToken.toFixed(2)}x baseline: ${ratio === undefined ? 'not measured' : `${verdict(ratio <= goal.cpuPerToken)} (${ratio.toFixed(2)}x)`}`);
  }
  if (goal.roundTrips !== undefined) {
    const trips = sample?.roundTrips;
    // Counted from Redis's network reads: a stray read of another client can add a fraction, hence the rounding.
    lines.push(`goal ${scenario}: <= ${goal.roundTrips} Redis round trip(s) per token: ${trips === undefined ? 'not measured' : `${verdict(Math.round(trips * 10) / 10 <= goal.roundTrips)} (${trips.toFixed(2)})`}`);
  }
  return lines;
}
