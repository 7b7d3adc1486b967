// The processes under test: `node src/cli.ts controller` and `node src/cli.ts server`, each its own process, plus
// what the bench reads from them (memory from /proc, counters from /metrics).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import type { Fixtures } from '../../test/support/purser.ts';
import { freePort } from '../../test/support/redis-server.ts';
import { stopper } from '../support/stop-process.ts';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

export interface Spawned {
  child: ChildProcess;
  url: string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** `NAME=value NAME2=value2` (BENCH_CONTROLLER_ENV) as an environment. */
const parseEnv = (text = ''): Record<string, string> => Object.fromEntries(text.split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

/** The extra environment of the controller process (BENCH_CONTROLLER_ENV). */
export const controllerEnv = (): Record<string, string> => parseEnv(process.env.BENCH_CONTROLLER_ENV);

function start(args: string[], url: string, nodeOptions = '', extraEnv: Record<string, string> = {}): Spawned {
  const env = { PATH: process.env.PATH, NODE_ENV: 'production', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...extraEnv };
  const child = spawn(process.execPath, [CLI, ...args, '--host=127.0.0.1', '--log-level=warn'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  running.add(child);
  // Warnings and errors are worth seeing (a slow or failing run explains itself); nothing else is logged at warn.
  const name = args[0];
  child.stdout!.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `)));
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `)));
  child.once('exit', () => running.delete(child));
  const stop = stopper(child);
  return { child, url, stop };
}

/** Polls `url` until it answers 200; fails if the process exits first. */
export async function waitUntilOk(spawned: Spawned, path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) throw new Error(`${spawned.url}: the process exited with ${spawned.child.exitCode}`);
    if (await fetch(`${spawned.url}${path}`).then((response) => response.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${spawned.url}${path} did not answer 200 within ${timeoutMs / 1000} s`);
}

export async function spawnController(kubeconfig: string, redisUrl: string, prefix: string, issuer: string): Promise<Spawned> {
  const port = await freePort();
  const flags = [`--kubeconfig=${kubeconfig}`, `--redis-url=${redisUrl}`, `--redis-key-prefix=${prefix}`, `--issuer=${issuer}`, `--controller-port=${port}`];
  return start(['controller', ...flags], `http://127.0.0.1:${port}`, process.env.BENCH_CONTROLLER_NODE_OPTIONS, controllerEnv());
}

export async function spawnServer(port: number, redisUrl: string, prefix: string, fixtures: Fixtures): Promise<Spawned> {
  const url = `http://127.0.0.1:${port}`;
  const flags = [`--issuer=${url}`, `--port=${port}`, `--redis-url=${redisUrl}`, `--redis-key-prefix=${prefix}`, `--jwks-file=${fixtures.jwksFile}`, `--cookie-keys-file=${fixtures.cookieKeysFile}`, `--users-file=${fixtures.usersFile}`];
  const server = start(['server', ...flags], url);
  await waitUntilOk(server, '/.well-known/openid-configuration');
  return server;
}

/** VmRSS and VmHWM (peak RSS) of a process, in MiB. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Sums of a Prometheus metric's samples by label value (`''` for an unlabelled metric). */
export async function scrape(url: string, metric: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sums: Record<string, number> = {};
  for (const [, labels = '', value] of text.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    const key = /="([^"]*)"/.exec(labels)?.[1] ?? '';
    sums[key] = (sums[key] ?? 0) + Number(value);
  }
  return sums;
}

/**
 * Waits until the controller has finished no reconcile for `quietMs` (and at least `quietMs`): the watch events its
 * own writes cause are reconciled too, and on a busy machine they can take much longer than a fixed pause.
 */
export async function whenSettled(url: string, quietMs = 3000): Promise<void> {
  const total = async () => Object.values(await scrape(url, 'purser_controller_reconcile_total')).reduce((sum, n) => sum + n, 0);
  let last = await total();
  let quietSince = performance.now();
  while (performance.now() - quietSince < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await total();
    if (now !== last) [last, quietSince] = [now, performance.now()];
  }
}

/** Pids of this process's children by command name (etcd, kube-apiserver, redis-server, node). */
export function childrenByName(): Record<string, number> {
  const found: Record<string, number> = {};
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) found[stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))] = Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
