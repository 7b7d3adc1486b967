// The servers under test, each its own process: Purser (`node src/cli.ts server`, production mode, real Redis), the
// bare oidc-provider baseline (baseline-server.ts) and the floor's bare Koa app (floor-server.ts). All run with
// NODE_ENV=production and, when BENCH_NODE_OPTIONS is set, with it as NODE_OPTIONS (BENCH_SERVER_ENV: more).
import { fork, spawn, type ChildProcess } from 'node:child_process';

import { freePort } from '../../test/support/redis-server.ts';
import type { Fixtures } from '../../test/support/purser.ts';
import { stopper } from '../support/stop-process.ts';
import type { HeapReport } from './heap-report.ts';
import { heapFromMetrics } from './memory.ts';
import { settings } from './settings.ts';

export const CLIENTS_DIR = new URL('./clients/', import.meta.url).pathname;
const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const BASELINE = new URL('./baseline-server.ts', import.meta.url).pathname;
const FLOOR = new URL('./floor-server.ts', import.meta.url).pathname;
const START_TIMEOUT_MS = 20_000;
const EXPECTED_WARNINGS = /^oidc-provider WARNING: (a quick start development-only in-memory adapter|default findAccount function called)/;

export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** The process's heap as V8 sees it now (bytes). */
  heap(): Promise<HeapReport>;
}

export interface SpawnOptions {
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=…`. */
  nodeFlags?: string[];
  /** Baseline only: `map` (baseline-adapter.ts) or `memory` (oidc-provider's stock memory adapter). */
  adapter?: string;
  /** Purser only: more flags, e.g. `--keys-reload-interval=1s`. */
  flags?: string[];
}

const env = () => ({ PATH: process.env.PATH, NODE_ENV: 'production', ...(settings.nodeOptions ? { NODE_OPTIONS: settings.nodeOptions } : {}), ...settings.serverEnv });

// Servers still running when this process exits (an error, Ctrl-C) are killed, so a run leaves no strays.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

export async function spawnPurser(redisUrl: string, prefix: string, fixtures: Fixtures, options: SpawnOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const flags = [
    `--issuer=${url}`,
    '--host=127.0.0.1',
    `--port=${port}`,
    `--redis-url=${redisUrl}`,
    `--redis-key-prefix=${prefix}`,
    `--clients-dir=${CLIENTS_DIR}`,
    `--users-file=${fixtures.usersFile}`,
    `--jwks-file=${fixtures.jwksFile}`,
    `--cookie-keys-file=${fixtures.cookieKeysFile}`,
    // info is the production default; nothing is logged per request below warn-level problems.
    '--log-level=info',
    ...(options.flags ?? []),
  ];
  const child = track(spawn(process.execPath, [...(options.nodeFlags ?? []), CLI, 'server', ...flags], { stdio: ['ignore', 'pipe', 'pipe'], env: env() }));
  await waitFor(child, 'purser', (output) => output.includes('purser server listening'));
  // Purser's own prom-client default metrics (/metrics on the app port: no --metrics-port here) carry its heap.
  return { name: 'purser', url, child, stop: stopper(child), heap: () => heapFromMetrics(url) };
}

export async function forkBaseline(fixtures: Fixtures, options: SpawnOptions = {}): Promise<ServerProcess & { mintRefreshTokens(count: number): Promise<string[]> }> {
  const server = await forkServer('baseline', BASELINE, [fixtures.jwksFile, fixtures.cookieKeysFile, options.adapter ?? 'map'], options);
  const mintRefreshTokens = (count: number) => ask<string[]>(server.child, { seed: count }, 'tokens').catch((error: Error) => Promise.reject(new Error(`baseline could not mint refresh tokens: ${error.message}`)));
  return { ...server, mintRefreshTokens };
}

/** The floor's bare Koa app, answering `responseBytes` of JSON to each POST /token. */
export function forkFloor(responseBytes: number, options: SpawnOptions = {}): Promise<ServerProcess> {
  return forkServer('koa', FLOOR, [String(responseBytes)], options);
}

/** Forks `script <port> ...args`, which reports `{ ready }` over IPC when it listens and answers `{ memory: true }`. */
async function forkServer(name: string, script: string, args: string[], options: SpawnOptions): Promise<ServerProcess> {
  const port = await freePort();
  const child = track(fork(script, [String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: env(), execArgv: options.nodeFlags ?? [] }));
  let ready = false;
  child.on('message', (message: { ready?: string }) => (ready ||= Boolean(message.ready)));
  await waitFor(child, name, () => ready);
  return { name, url: `http://127.0.0.1:${port}`, child, stop: stopper(child), heap: () => ask<HeapReport>(child, { memory: true }, 'memory') };
}

/** Sends `message` to a forked server and resolves with the `key` field of its answer, or rejects with its `error`. */
function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (answer: Record<string, unknown>) => {
      if (!(key in answer) && !('error' in answer)) return;
      child.off('message', onMessage);
      if (key in answer) resolve(answer[key] as T);
      else reject(new Error(String(answer.error)));
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** Resolves once `isReady(output so far)` holds (checked on every output chunk and IPC message). */
async function waitFor(child: ChildProcess, name: string, isReady: (output: string) => boolean): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const check = () => isReady(output) && resolve();
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      // Purser logs JSON lines on stdout; warnings and errors (pino levels 40 and up) are worth seeing.
      for (const line of chunk.toString().split('\n')) if (/"level":[4-6]0\b/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
      check();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      // Warnings and errors after startup would otherwise vanish: pass them through, but for the baseline's
      // expected ones (it runs on the memory adapter and the default findAccount on purpose).
      const lines = chunk.toString().split('\n').filter((line) => line && !EXPECTED_WARNINGS.test(line));
      for (const line of lines) process.stderr.write(`[${name}] ${line}\n`);
    });
    child.on('message', check);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`)), START_TIMEOUT_MS).unref();
  });
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

