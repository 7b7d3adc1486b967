// Where the CPU time of the servers went, from the profiles `BENCH_CPU_PROF=<dir> npm run bench` leaves.
//   node bench/token-throughput/profile-summary.ts <dir> <scenario> [top N] [regex]
//     both servers, that scenario's measured windows only, in µs of main-thread time per token, Purser − baseline;
//     first by component (components.ts), next to the floor's bare Koa app when the run measured it
//   node bench/token-throughput/profile-summary.ts <file.cpuprofile> [top N] [regex]
//     one profile, whole lifetime, in % of busy time
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { COMPONENTS } from './components.ts';
import { breakdown, type Breakdown, type CpuProfile } from './profile.ts';
import type { ProfileIndex } from './profiles.ts';

const USAGE = 'usage: profile-summary.ts <profile dir> <scenario> [top N] [regex] | <file.cpuprofile> [top N] [regex]';
const [path, ...rest] = process.argv.slice(2);
if (!path || path === '--help' || path === '-h' || !existsSync(path)) {
  process.stderr.write(`${path && !path.startsWith('-') ? `no such file or folder: ${path}\n` : ''}${USAGE}\n`);
  process.exit(path === '--help' || path === '-h' ? 0 : 2);
}
const directory = statSync(path).isDirectory();
if (directory && !existsSync(join(path, 'windows.json'))) {
  process.stderr.write(`${path} has no windows.json: give the folder BENCH_CPU_PROF named, after a run finished\n${USAGE}\n`);
  process.exit(2);
}
const [scenario, topArg, filterArg] = directory ? rest : [undefined, ...rest];
const top = Number(topArg ?? 25);
const filter = filterArg ? new RegExp(filterArg) : undefined;
const out = (line = '') => process.stdout.write(`${line}\n`);
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const sorted = (map: Map<string, number>) => [...map].filter(([name]) => !filter || filter.test(name)).sort(([, a], [, b]) => b - a);

function single(file: string): void {
  const b = breakdown(read(file));
  const percent = (us: number) => `${((us / b.busy) * 100).toFixed(1).padStart(5)}%`;
  out(`${file}: ${(b.busy / 1e6).toFixed(1)} s busy, ${(b.idle / 1e6).toFixed(1)} s idle; % of busy time${filter ? `; only ${filter}` : ''}`);
  for (const [title, map] of [['by component (components.ts)', b.byComponent], ['unclassified (no rule of components.ts), self by function', b.unclassified], ['self by package/file', b.selfByArea], ['inclusive by package/file', b.inclusiveByArea], ['self by function', b.self], ['inclusive by function', b.inclusive]] as const) {
    out(`\n${title}`);
    for (const [name, us] of sorted(map).slice(0, top)) out(`  ${percent(us)}  ${name}`);
  }
}

function compare(dir: string, scenario: string): void {
  const index = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8')) as ProfileIndex;
  const purser = index.purser?.scenarios[scenario];
  const baseline = index.baseline?.scenarios[scenario];
  if (!purser || !baseline) throw new Error(`${dir}/windows.json has no "${scenario}" windows for both targets`);
  const p = breakdown(read(join(dir, index.purser!.file)), purser.windows);
  const b = breakdown(read(join(dir, index.baseline!.file)), baseline.windows);
  const perToken = (us: number | undefined, tokens: number) => (us ?? 0) / tokens;
  const fmt = (us: number) => us.toFixed(1).padStart(7);
  out(`${scenario}: main-thread CPU per token, measured windows only (µs): purser ${fmt(p.busy / purser.tokens)}, baseline ${fmt(b.busy / baseline.tokens)}`);
  out(`(purser ${purser.tokens} tokens in ${(p.busy / 1e6).toFixed(1)} s busy; baseline ${baseline.tokens} tokens in ${(b.busy / 1e6).toFixed(1)} s busy)${filter ? `; only ${filter}` : ''}`);
  // V8 stamps samples with wall-clock time: on a busy machine a thread preempted in the middle of a function is
  // charged for the wait. /proc counts CPU time: of all threads (libuv's pool, where WebCrypto signs; V8's GC and
  // compiler threads) and of the main thread alone.
  for (const [name, target, busy] of [['purser', purser, p.busy], ['baseline', baseline, b.busy]] as const) {
    if (!target.cpuSeconds) continue;
    const main = target.mainThreadSeconds ? `main thread ${fmt((target.mainThreadSeconds * 1e6) / target.tokens)}, other threads ${fmt(((target.cpuSeconds - target.mainThreadSeconds) * 1e6) / target.tokens)}` : '';
    out(`${name}: CPU from /proc, µs/token: all threads ${fmt((target.cpuSeconds * 1e6) / target.tokens)}${main ? `, ${main}` : ''}; profile busy time ${fmt(busy / target.tokens)}`);
  }
  components(dir, index, [
    ['purser', p, purser],
    ['baseline', b, baseline],
  ]);

  const table = (title: string, pm: Map<string, number>, bm: Map<string, number>) => {
    const names = new Set([...pm.keys(), ...bm.keys()]);
    const rows = [...names]
      .filter((name) => !filter || filter.test(name))
      .map((name) => ({ name, purser: perToken(pm.get(name), purser.tokens), baseline: perToken(bm.get(name), baseline.tokens) }))
      .sort((x, y) => y.purser - y.baseline - (x.purser - x.baseline))
      .slice(0, top);
    out(`\n${title}\n  ${'purser'.padStart(7)}  ${'base'.padStart(7)}  ${'diff'.padStart(7)}`);
    for (const row of rows) out(`  ${fmt(row.purser)}  ${fmt(row.baseline)}  ${fmt(row.purser - row.baseline)}  ${row.name}`);
  };
  table('self time by package / file, µs per token, sorted by Purser − baseline', p.selfByArea, b.selfByArea);
  table('inclusive time by package / file (once per stack)', p.inclusiveByArea, b.inclusiveByArea);
  table('self time by function', p.self, b.self);
  table('inclusive time by function (synchronous stacks: a middleware includes what it calls before its first await)', p.inclusive, b.inclusive);
}

type Window = ProfileIndex[string]['scenarios'][string];

/**
 * Main-thread µs per token by component for each target, and per request for the floor's bare Koa app (its `floor`
 * windows) when the run profiled it; each column scaled from the profile's wall-clock busy time to the main thread's
 * CPU time from /proc when windows.json has it. Then what no rule matched, to extend components.ts with.
 */
function components(dir: string, index: ProfileIndex, targets: [string, Breakdown, Window][]): void {
  const floor = index.koa?.scenarios.floor;
  const columns: [string, Breakdown, Window][] = floor ? [...targets, ['koa floor', breakdown(read(join(dir, index.koa!.file)), floor.windows), floor]] : targets;
  const scale = columns.map(([, b, w]) => (w.mainThreadSeconds ? (w.mainThreadSeconds * 1e6) / b.busy : 1));
  const fmt = (us: number) => us.toFixed(1).padStart(11);
  out(`\nby component (components.ts), main-thread µs per token${floor ? ' (koa floor: per request)' : ''}, scaled to main-thread CPU by ${scale.map((f) => f.toFixed(2)).join(' / ')}`);
  out(`  ${''.padEnd(24)}${columns.map(([name]) => name.padStart(11)).join('')}${'diff'.padStart(11)}`);
  const line = (label: string, values: number[]) => out(`  ${label.padEnd(24)}${values.map(fmt).join('')}${fmt(values[0]! - values[1]!)}`);
  for (const name of Object.values(COMPONENTS)) line(name, columns.map(([, b, w], i) => ((b.byComponent.get(name) ?? 0) * scale[i]!) / w.tokens));
  line('total', columns.map(([, b, w], i) => (b.busy * scale[i]!) / w.tokens));
  for (const [name, b, w] of columns) {
    const rows = sorted(b.unclassified).slice(0, 8);
    if (rows.length) out(`  ${name}, "other" by function (unscaled): ${rows.map(([fn, us]) => `${fn} ${(us / w.tokens).toFixed(1)}`).join('; ')}`);
  }
}

if (directory) compare(path, scenario ?? 'client_credentials');
else single(path);
