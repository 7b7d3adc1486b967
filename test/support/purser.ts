// Starts real Purser servers for integration tests: in this process, or as separate processes sharing one Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { hashPassword } from '../../src/server/accounts/users.ts';
import { generateSigningKeys } from '../../src/server/provider/keys.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { freePort } from './redis-server.ts';
import { stopChild } from './child-process.ts';

export { freePort };

export const CLIENTS_DIR = new URL('../fixtures/clients/', import.meta.url).pathname;
export const ALICE = { username: 'alice', password: 'correct horse battery staple', email: 'alice@example.com', name: 'Alice Liddell', groups: ['admins', 'readers'] };

export interface Fixtures {
  usersFile: string;
  jwksFile: string;
  cookieKeysFile: string;
}

/** Users, signing keys and cookie keys that every server of one test file shares, as replicas share Secrets. */
export async function writeFixtures(): Promise<Fixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-test-'));
  const fixtures = { usersFile: join(dir, 'users.yaml'), jwksFile: join(dir, 'jwks.json'), cookieKeysFile: join(dir, 'cookie-keys') };
  const { password, ...alice } = ALICE;
  await writeFile(fixtures.usersFile, `users:\n  - ${JSON.stringify({ ...alice, passwordHash: await hashPassword(password) })}\n`);
  await writeFile(fixtures.jwksFile, JSON.stringify(generateSigningKeys()));
  await writeFile(fixtures.cookieKeysFile, `${'k'.repeat(16)}${Math.random().toString(36).repeat(3)}\n`);
  return fixtures;
}

export interface ServerOptions {
  redisUrl: string;
  /** `standalone` (default), `sentinel` or `cluster`. */
  redisMode?: string;
  redisSentinelName?: string;
  prefix: string;
  fixtures: Fixtures;
  /** Folder of OAuthClient files to serve (default: the test fixtures); `false` when a controller fills the catalog. */
  clientsDir?: string | false;
  /** Several processes of one installation share the issuer; each listens on its own port. */
  issuer?: string;
  port?: number;
  /** More flags, e.g. `--keys-reload-interval=1s`. */
  flags?: string[];
  /** Settings only the environment can set (a boolean turned off, e.g. `PURSER_TOKEN_FAST_PATH: 'false'`). */
  env?: NodeJS.ProcessEnv;
}

function flags(options: ServerOptions, port: number, issuer: string): string[] {
  return [
    `--issuer=${issuer}`,
    '--host=127.0.0.1',
    `--port=${port}`,
    `--redis-url=${options.redisUrl}`,
    `--redis-mode=${options.redisMode ?? 'standalone'}`,
    ...(options.redisSentinelName ? [`--redis-sentinel-name=${options.redisSentinelName}`] : []),
    `--redis-key-prefix=${options.prefix}`,
    ...(options.clientsDir === false ? [] : [`--clients-dir=${options.clientsDir ?? CLIENTS_DIR}`]),
    `--users-file=${options.fixtures.usersFile}`,
    `--jwks-file=${options.fixtures.jwksFile}`,
    `--cookie-keys-file=${options.fixtures.cookieKeysFile}`,
    '--log-level=warn',
    ...(options.flags ?? []),
  ];
}

export interface TestServer {
  issuer: string;
  url: string;
  /** The Redis key prefix of this installation. */
  prefix: string;
  close(): Promise<void>;
}

/** A Purser server in this process, with Redis, over real HTTP. */
export async function startPurser(options: ServerOptions): Promise<TestServer & { running: RunningServer }> {
  const port = options.port ?? (await freePort());
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
  const config = loadConfig(flags(options, port, issuer), options.env ?? {});
  const running = await startServer(config, createLogger({ level: 'warn', format: 'json' }));
  return { issuer, url: `http://127.0.0.1:${port}`, prefix: options.prefix, running, close: () => running.close() };
}

/** A Purser server as its own process (`node src/cli.ts server`), for cross-process tests. */
export async function spawnPurser(options: ServerOptions): Promise<TestServer & { child: ChildProcess; output(): string }> {
  const port = options.port ?? (await freePort());
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
  const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, 'server', ...flags(options, port, issuer).map((f) => f.replace('--log-level=warn', '--log-level=info'))], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  // A test file whose setup failed half-way never gets this child's handle to stop it: end it with the worker.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  child.once('exit', () => process.off('exit', orphaned));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('purser server listening')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`purser exited with ${code}:\n${output}`)));
    // A liveness bound, not a measurement: on a loaded 2-core machine a cold start (type stripping, oidc-provider's
    // imports) took over 20 s; stay under the 60 s hook timeout so the cause is this message, not a bare timeout.
    setTimeout(() => reject(new Error(`purser did not start within 50 s:\n${output}`)), 50_000).unref();
  });
  return {
    issuer,
    url: `http://127.0.0.1:${port}`,
    prefix: options.prefix,
    child,
    /** Everything the process wrote to stdout and stderr so far. */
    output: () => output,
    close: () => stopChild(child),
  };
}
