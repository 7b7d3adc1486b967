// Faults injected into a redis-server a test owns: filled to its `maxmemory` (noeviction), or stalled.
import type { Redis } from 'ioredis';

const FILLER = 'filler:';
const CHUNK = 'x'.repeat(64 * 1024);

/**
 * Sets `maxmemory` a little above what Redis uses now, with `noeviction`, and writes filler until Redis refuses a
 * write (`OOM command not allowed`), as a Redis at its limit in production does. Returns how many bytes it uses.
 */
export async function fillRedis(admin: Redis): Promise<number> {
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  await admin.config('SET', 'maxmemory-policy', 'noeviction');
  await admin.config('SET', 'maxmemory', String(used + 1024 * 1024));
  for (let n = 0; ; n++) {
    try {
      await admin.set(`${FILLER}${n}`, CHUNK);
    } catch (error) {
      if (/OOM/.test((error as Error).message)) break;
      throw error;
    }
  }
  // The refused write's own 64 KB query buffer tipped Redis over; once it is freed Redis sits just under the limit.
  // A limit a little below what is used now keeps it over, as a Redis that filled up with small writes is.
  const full = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  await admin.config('SET', 'maxmemory', String(full - 256 * 1024));
  return full;
}

/** Deletes the filler (a DEL is allowed at the limit) and lifts the limit. */
export async function freeRedis(admin: Redis): Promise<void> {
  const keys = await admin.keys(`${FILLER}*`);
  if (keys.length) await admin.del(...keys);
  await admin.config('SET', 'maxmemory', '0');
}

/** Every key under `prefix` with its serialized value (DUMP), to show that nothing changed. */
export async function snapshot(admin: Redis, prefix: string): Promise<Map<string, string>> {
  const keys = (await admin.keys(`${prefix}*`)).sort();
  const values = await Promise.all(keys.map((key) => admin.dumpBuffer(key)));
  return new Map(keys.map((key, i) => [key, values[i]?.toString('base64') ?? '']));
}
