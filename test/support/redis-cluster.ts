// A throwaway three-node Redis Cluster from local binaries (redis-server + redis-cli), for the conformance suite.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { Redis } from 'ioredis';

import { startRedisServer, type StartedRedisServer } from './redis-server.ts';

export interface StartedRedisCluster {
  /** Comma-separated `host:port` seeds, as PURSER_REDIS_URL takes them with PURSER_REDIS_MODE=cluster. */
  seeds: string;
  nodes: StartedRedisServer[];
  stop(): Promise<void>;
}

async function clusterReady(node: StartedRedisServer): Promise<boolean> {
  const client = new Redis(node.url, { lazyConnect: true });
  try {
    await client.connect();
    return /cluster_state:ok/.test(await client.cluster('INFO'));
  } finally {
    client.disconnect();
  }
}

export async function startRedisCluster(): Promise<StartedRedisCluster> {
  const nodes = await Promise.all(
    [0, 1, 2].map(() => startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] })),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (let tries = 0; !(await Promise.all(nodes.map(clusterReady))).every(Boolean); tries++) {
      if (tries > 100) throw new Error('Redis Cluster did not reach cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { seeds: addresses.join(','), nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
