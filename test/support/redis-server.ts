// Starts throwaway `redis-server` processes from PATH for tests: one per call, on a free loopback port,
// with persistence off and a private temporary working directory. Used by the vitest globalSetup and by
// integration tests that need extra servers (a second Redis, Sentinel, replicas...).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child-process.ts';

export interface StartedRedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The child process (e.g. to send it SIGSTOP in a failover test). */
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** Extra arguments appended to the command line, e.g. `['--requirepass', 'secret']`. */
  args?: string[];
  /** Binary to run; default `redis-server` from PATH. */
  binary?: string;
  /** How long to wait for the server to answer PING; default 10 s. */
  readyTimeoutMs?: number;
  /** A port chosen beforehand (something already waits for Redis there); default a free one. */
  port?: number;
}

/** Thrown when the binary is not installed, so callers can tell "missing" from "broken". */
export class RedisServerNotFoundError extends Error {
  constructor(binary: string) {
    super(
      `\`${binary}\` was not found on PATH. Install it (Debian/Ubuntu: \`apt-get install -y redis-server\`; ` +
        'macOS: `brew install redis`), or set REDIS_URL to a Redis the tests may use.',
    );
    this.name = 'RedisServerNotFoundError';
  }
}

// Children still running when this process exits are killed, so an aborted test run leaves no strays.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Asks the OS for a free TCP port on 127.0.0.1 (there is a tiny race until the server binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends an inline PING over a raw socket; true if the server answered +PONG (no client library, no retries). */
export async function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<StartedRedisServer> {
  // The port is free when chosen but may be taken before redis binds it; retry a couple of times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options.port ?? (await freePort()), options);
    } catch (error) {
      if (error instanceof RedisServerNotFoundError || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function startOnce(port: number, options: StartRedisServerOptions): Promise<StartedRedisServer> {
  const binary = options.binary ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'purser-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(binary, [...args, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000); // the tail is enough to explain a failure
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
    child.once('exit', () => resolve());
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (!spawnError) await stopChild(child);
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  let gone = false;
  void exited.then(() => (gone = true));
  while (!(await pingRedis('127.0.0.1', port))) {
    if (gone || Date.now() > deadline) {
      await stop();
      if (spawnError?.code === 'ENOENT') throw new RedisServerNotFoundError(binary);
      const why = spawnError ? spawnError.message : gone ? `exited with ${child.exitCode ?? child.signalCode}` : 'did not answer PING in time';
      throw new Error(`${binary} on port ${port} ${why}. Its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, port, process: child, stop };
}
