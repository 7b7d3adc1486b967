// Proves the test harness: the globalSetup's Redis answers, and startRedisServer() can start extra servers.
import { execFileSync } from 'node:child_process';

import { afterAll, describe, expect, inject, it } from 'vitest';

import { startRedisServer } from '../support/redis-server.ts';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../support/redis.ts';

function hasRedisServerBinary(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('redis harness', () => {
  const client = connectTestRedis();
  const prefix = uniquePrefix('redis-harness');

  afterAll(async () => {
    await deleteKeysWithPrefix(client, prefix);
    await client.quit();
  });

  it('provides a Redis URL that answers PING', async () => {
    expect(inject('redisUrl')).toMatch(/^rediss?:\/\//);
    expect(await client.ping()).toBe('PONG');
  });

  it('gives each caller its own key prefix', async () => {
    expect(prefix).toMatch(/^test:redis-harness:[0-9a-f]{12}:$/);
    expect(uniquePrefix('redis-harness')).not.toBe(prefix);
    expect(uniquePrefix('a {tag}:b')).toMatch(/^test:a-tag-b:/);
    await client.set(`${prefix}k`, 'v', 'EX', 60);
    expect(await client.get(`${prefix}k`)).toBe('v');
  });

  // Needs the binary even when the run's Redis came from REDIS_URL or Docker; in CI it must run.
  it.skipIf(process.env.CI !== 'true' && !hasRedisServerBinary())('starts and stops an extra redis-server', async () => {
    const server = await startRedisServer();
    const { Redis } = await import('ioredis');
    const extra = new Redis(server.url, { maxRetriesPerRequest: 0 });
    try {
      expect(await extra.ping()).toBe('PONG');
    } finally {
      extra.disconnect();
      await server.stop();
    }
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
    await server.stop(); // idempotent
  });
});
