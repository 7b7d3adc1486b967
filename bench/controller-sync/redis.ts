// Redis figures: the memory the client catalog takes, and the floor of the controller's Redis work — the same
// reads and writes for N records through the same catalog code, without Kubernetes.
import { Redis } from 'ioredis';

import { toClientRecord } from '../../src/api/client-record.ts';
import { generateClientSecret } from '../../src/api/client-secret.ts';
import { rotateSecretHashes } from '../../src/controller/reconcile/secret-hashes.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import { benchClient, pool } from './cluster.ts';

/** `used_memory` from INFO memory, in bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
}

/** MEMORY USAGE summed over the catalog's keys (`<prefix>client:*` and the `<prefix>clients` index). */
export async function catalogBytes(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  const keys = [`${prefix}clients`];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}client:*`, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
  const sizes = (await pipeline.exec())!.map(([, size]) => Number(size ?? 0));
  return { keys: keys.length - 1, bytes: sizes.reduce((sum, size) => sum + size, 0) };
}

/** Seconds to read (absent) and write `count` client records, `concurrency` at a time, as the controller's workers do. */
export async function writeRecordsDirectly(url: string, prefix: string, count: number, concurrency: number): Promise<number> {
  const store = await createRedisStore({ url, prefix, mode: 'standalone' });
  const names = Array.from({ length: count }, (_, i) => `direct-${i}`);
  const began = performance.now();
  await pool(names, concurrency, async (name) => {
    const client = benchClient('direct', name);
    const existing = await store.clients.get(`${name}.direct`);
    await store.clients.put(toClientRecord(client, rotateSecretHashes(existing?.secrets ?? [], generateClientSecret(), Date.now() / 1000, 3600)));
  });
  const seconds = (performance.now() - began) / 1000;
  await store.close();
  return seconds;
}
