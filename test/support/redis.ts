// Helpers for tests that share the run's single Redis (see global-setup.ts).
import { randomBytes } from 'node:crypto';

import { Redis, type RedisOptions } from 'ioredis';
import { inject } from 'vitest';

import './provided-context.ts';

/**
 * A key prefix no other test file or run uses: `test:<name>:<random>:`. The name is reduced to
 * `[A-Za-z0-9_.-]` so it can never inject a `{hash tag}` or a `:` level of its own.
 */
export function uniquePrefix(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-');
  return `test:${safe}:${randomBytes(6).toString('hex')}:`;
}

/** A new ioredis client to the run's Redis. The caller closes it (`await client.quit()`). */
export function connectTestRedis(options: RedisOptions = {}): Redis {
  return new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1, ...options });
}

/** Deletes every key under `prefix` (SCAN is fine in tests); returns how many were deleted. */
export async function deleteKeysWithPrefix(client: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of client.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
    if (keys.length) deleted += await client.unlink(...keys);
  }
  return deleted;
}
