// vitest globalSetup: finds one Redis and one Kubernetes API server for the whole run and hands them to the tests
// (`inject('redisUrl')`, `inject('kubeconfig')`). Sources, in order:
//   Redis: 1. REDIS_URL from the environment (used as is, never flushed: tests write under uniquePrefix());
//          2. a testcontainers Redis, when a Docker engine answers; 3. `redis-server` from PATH.
//   Kubernetes: 1. PURSER_TEST_KUBECONFIG, a kubeconfig of a disposable cluster (the CRD is applied to it; tests
//          work in namespaces of their own); 2. testcontainers' K3s, when a Docker engine answers;
//          3. etcd + kube-apiserver from scripts/control-plane.sh (built once, cached under ~/.cache/purser).
// Nothing available is an error, never a skip (with CI=true and without).
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { installCrd, startControlPlane } from './control-plane.ts';
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

interface ProvisionedKubernetes {
  kubeconfig: string;
  source: string;
  stop(): Promise<void>;
}

const K3S_IMAGE = 'rancher/k3s:v1.32.5-k3s1';

async function provisionKubernetes(): Promise<ProvisionedKubernetes> {
  const fromEnv = process.env.PURSER_TEST_KUBECONFIG;
  if (fromEnv) {
    await installCrd(fromEnv);
    return { kubeconfig: fromEnv, source: `PURSER_TEST_KUBECONFIG (${fromEnv})`, stop: async () => {} };
  }

  if (await dockerAvailable()) {
    const { K3sContainer } = await import('@testcontainers/k3s');
    const container = await new K3sContainer(K3S_IMAGE).start();
    const kubeconfig = join(tmpdir(), `purser-k3s-${process.pid}.yaml`);
    writeFileSync(kubeconfig, container.getKubeConfig());
    await installCrd(kubeconfig);
    return { kubeconfig, source: `testcontainers (${K3S_IMAGE})`, stop: async () => void (await container.stop()) };
  }

  try {
    const plane = await startControlPlane();
    return { kubeconfig: plane.kubeconfig, source: `etcd + kube-apiserver (${plane.server})`, stop: plane.stop };
  } catch (error) {
    const ci = process.env.CI === 'true' ? ' (CI=true: missing infrastructure fails the run)' : '';
    throw new Error(`No Kubernetes API server for the tests${ci}: PURSER_TEST_KUBECONFIG is not set, no Docker engine answers, and ${(error as Error).message}`, { cause: error });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, kubernetes] = await Promise.all([provisionRedis(), provisionKubernetes()]);
  console.log(`[purser tests] Redis: ${redis.source}; Kubernetes: ${kubernetes.source}`);
  project.provide('redisUrl', redis.url);
  project.provide('kubeconfig', kubernetes.kubeconfig);
  return async () => {
    await Promise.all([redis.stop(), kubernetes.stop()]);
  };
}
