// A Redis primary watched by one Sentinel, from local binaries, for testing PURSER_REDIS_MODE=sentinel.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, pingRedis, startRedisServer, type StartedRedisServer } from './redis-server.ts';

export interface StartedSentinel {
  /** `host:port` of the Sentinel, as PURSER_REDIS_URL takes it with PURSER_REDIS_MODE=sentinel. */
  seeds: string;
  primaryName: string;
  primary: StartedRedisServer;
  stop(): Promise<void>;
}

export async function startRedisSentinel(primaryName = 'purser-primary'): Promise<StartedSentinel> {
  const primary = await startRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'purser-sentinel-'));
  const configFile = join(dir, 'sentinel.conf');
  writeFileSync(configFile, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${primaryName} 127.0.0.1 ${primary.port} 1\n`);
  // Sentinel rewrites its config file, so it must be writable: it lives in the throwaway directory.
  const sentinel = spawn('redis-server', [configFile, '--sentinel'], { stdio: 'ignore' });
  const stop = async () => {
    sentinel.kill('SIGKILL');
    await primary.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  for (let tries = 0; !(await pingRedis('127.0.0.1', port)); tries++) {
    if (tries > 100 || sentinel.exitCode !== null) {
      await stop();
      throw new Error(`redis sentinel on port ${port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { seeds: `127.0.0.1:${port}`, primaryName, primary, stop };
}
