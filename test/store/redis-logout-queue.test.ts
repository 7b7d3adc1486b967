// The Redis logout queue's keys: every one has a TTL (DESIGN "Redis rules") and one hash tag (one Cluster slot).
import { Redis } from 'ioredis';
import { afterAll, expect, inject, it } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../support/redis.ts';

const url = inject('redisUrl');
const prefix = uniquePrefix('logout-queue');
const inspector = new Redis(url);
const store = await createRedisStore({ url, mode: 'standalone', prefix });

afterAll(async () => {
  await deleteKeysWithPrefix(inspector, prefix);
  await Promise.all([store.close(), inspector.quit()]);
});

it('gives every queue key a TTL no longer than the retention, under the {logout} hash tag', async () => {
  await store.logouts.enqueue({ jti: 'j-ttl', clientId: 'web.team', sub: 'alice', sid: 's' }, 600);
  await store.logouts.claim(10, 1_000);
  await store.logouts.retryLater('j-ttl', 5_000);
  const keys = await inspector.keys(`${prefix}*`);
  expect(keys.sort()).toEqual([`${prefix}{logout}:due`, `${prefix}{logout}:job:j-ttl`]);
  for (const key of keys) expect(await inspector.ttl(key), key).toBeGreaterThan(590);
  for (const key of keys) expect(await inspector.ttl(key), key).toBeLessThanOrEqual(600);
});
