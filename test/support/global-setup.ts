// vitest globalSetup: finds one Redis for the whole run and hands its URL to the tests
// (`inject('redisUrl')`). Sources, in order:
//   1. REDIS_URL from the environment (used as is, never flushed: tests write under uniquePrefix());
//   2. a testcontainers Redis, when a Docker engine answers;
//   3. `redis-server` from PATH, on a free loopback port.
// Nothing available is an error, never a skip (with CI=true and without).
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

import { dockerAvailable } from './docker.ts';
import { RedisServerNotFoundError, startRedisServer } from './redis-server.ts';
import './provided-context.ts';

const REDIS_IMAGE = 'redis:7-alpine';

interface ProvisionedRedis {
  url: string;
  source: string;
  stop(): Promise<void>;
}

async function checkReachable(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // reported through the rejected promise below
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`REDIS_URL is set but ${redact(url)} does not answer PING: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    client.disconnect();
  }
}

/** Hides a password in the URL before it reaches a log line. */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

async function provisionRedis(): Promise<ProvisionedRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    await checkReachable(fromEnv);
    return { url: fromEnv, source: `REDIS_URL (${redact(fromEnv)})`, stop: async () => {} };
  }

  if (await dockerAvailable()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer(REDIS_IMAGE).start();
    return {
      url: container.getConnectionUrl(),
      source: `testcontainers (${REDIS_IMAGE})`,
      stop: async () => {
        await container.stop();
      },
    };
  }

  try {
    const server = await startRedisServer();
    return { url: server.url, source: `redis-server from PATH (${server.url})`, stop: server.stop };
  } catch (error) {
    if (!(error instanceof RedisServerNotFoundError)) throw error;
    const ci = process.env.CI === 'true' ? ' (CI=true: missing infrastructure fails the run)' : '';
    throw new Error(
      `No Redis for the tests${ci}: REDIS_URL is not set, no Docker engine answers, and ${error.message}`,
      { cause: error },
    );
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await provisionRedis();
  console.log(`[purser tests] Redis: ${redis.source}`);
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
