// Every key under a prefix and its value as text, to check what a dump of Redis would hand an attacker.
import type { Redis } from 'ioredis';

export async function redisDump(redis: Redis, prefix: string): Promise<string[]> {
  const keys = await redis.keys(`${prefix}*`);
  const values = await Promise.all(
    keys.map(async (key) => {
      const type = await redis.type(key);
      if (type === 'hash') return JSON.stringify(await redis.hgetall(key));
      if (type === 'set') return (await redis.smembers(key)).join(' ');
      if (type === 'zset') return (await redis.zrange(key, 0, '-1')).join(' ');
      return String(await redis.get(key));
    }),
  );
  return [...keys, ...values];
}
