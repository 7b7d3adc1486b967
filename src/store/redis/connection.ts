// Opens ioredis connections for the configured topology: standalone URL, Sentinel or Cluster seeds.
import { readFileSync } from 'node:fs';

import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  url: string;
  mode: 'standalone' | 'sentinel' | 'cluster';
  sentinelName?: string;
  passwordFile?: string;
  /** How long a command may wait for its answer before it fails with `Command timed out` (a stalled Redis). */
  commandTimeoutMs?: number;
}

interface Seeds {
  nodes: { host: string; port: number }[];
  /** TLS and credentials, taken from the seed URLs (`rediss://user:pass@host:port`), which must agree. */
  options: RedisOptions;
}

function seeds(list: string): Seeds {
  const urls = list.split(',').map((seed) => new URL(seed.includes('://') ? seed.trim() : `redis://${seed.trim()}`));
  const [first] = urls;
  const options: RedisOptions = {
    ...(first?.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(first?.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first?.password ? { password: decodeURIComponent(first.password) } : {}),
  };
  return { nodes: urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })), options };
}

export function connectRedis(options: RedisConnectionOptions): Redis | Cluster {
  const password = options.passwordFile ? readFileSync(options.passwordFile, 'utf8').trim() : undefined;
  // A command fails after commandTimeoutMs, or after two reconnection attempts when the connection is down (it waits
  // in the offline queue meanwhile): a request never waits on Redis longer than that.
  const common: RedisOptions = {
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
    ...(password ? { password } : {}),
  };
  switch (options.mode) {
    case 'sentinel': {
      // Credentials in the seed URLs are the Sentinels'; the password file is the primary's.
      const { nodes, options: sentinel } = seeds(options.url);
      return new Redis({
        ...common,
        sentinels: nodes,
        name: options.sentinelName ?? 'mymaster',
        sentinelPassword: sentinel.password,
        sentinelUsername: sentinel.username,
        ...(sentinel.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
      });
    }
    case 'cluster': {
      const { nodes, options: cluster } = seeds(options.url);
      return new Cluster(nodes, { enableAutoPipelining: true, redisOptions: { ...cluster, ...common } });
    }
    default:
      return new Redis(options.url, common);
  }
}
