// A Redis that stops answering (CLIENT PAUSE, or its process stopped with SIGSTOP) or is gone does not hold requests: each
// fails after PURSER_REDIS_TIMEOUT with 503 temporarily_unavailable while Redis is still stalled, /readyz says
// unavailable meanwhile, and both recover by themselves once Redis answers again.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { STORE_FAULT_DESCRIPTIONS, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';
import { form } from '../support/bad-input-http.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { SECRETS } from '../support/rp.ts';

let redis: StartedRedisServer;
let server: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startPurser({ redisUrl: redis.url, prefix: 'stall:', fixtures: await writeFixtures(), flags: ['--redis-timeout=1s'] });
});

afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

/** An opaque client_credentials token: one write to Redis. */
async function clientCredentials(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'client_credentials', client_id: 'ledger.test', client_secret: SECRETS['ledger.test']! }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const readiness = async () => (await fetch(`${server.url}/readyz`)).status;

async function untilReady(): Promise<void> {
  while ((await readiness()) !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Stalls Redis; `stalled()` tells whether it still is, `resume()` ends the stall (or waits for its end). */
type Stall = () => Promise<{ stalled(): boolean; resume(): Promise<void> }>;

const PAUSE_MS = 5000;

const STALLS: Array<{ name: string; stall: Stall }> = [
  {
    // A pause ends by itself: while it lasts, Redis holds even a CLIENT UNPAUSE.
    name: 'CLIENT PAUSE',
    stall: async () => {
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
      const ends = Date.now() + PAUSE_MS;
      admin.disconnect();
      return {
        stalled: () => Date.now() < ends,
        resume: () => new Promise((resolve) => setTimeout(resolve, Math.max(0, ends - Date.now()))),
      };
    },
  },
  {
    name: 'SIGSTOP of redis-server',
    stall: async () => {
      let stopped = true;
      redis.process.kill('SIGSTOP');
      return {
        stalled: () => stopped,
        resume: async () => {
          redis.process.kill('SIGCONT');
          stopped = false;
        },
      };
    },
  },
];

describe('a stalled Redis', () => {
  it.each(STALLS)('($name) fails token requests with 503 temporarily_unavailable while it lasts; readiness follows', async ({ stall }) => {
    expect((await clientCredentials()).status).toBe(200);
    const { stalled, resume } = await stall();
    try {
      const refused = await clientCredentials();
      // Answered while Redis was still stalled: the request did not wait for Redis to come back.
      expect(stalled()).toBe(true);
      expect(refused).toEqual({ status: 503, body: { error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.timeout } });
      expect(await readiness()).toBe(503);
      expect(stalled()).toBe(true);
    } finally {
      await resume();
    }
    await untilReady();
    expect((await clientCredentials()).status).toBe(200);
  });
});

describe('a Redis that is gone', () => {
  it('fails token requests with 503 temporarily_unavailable; readiness follows, and recovers when Redis is back', async () => {
    const { port } = redis;
    await redis.stop();
    const refused = await clientCredentials();
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe(TEMPORARILY_UNAVAILABLE);
    expect([STORE_FAULT_DESCRIPTIONS.unreachable, STORE_FAULT_DESCRIPTIONS.timeout]).toContain(refused.body.error_description);
    expect(await readiness()).toBe(503);

    // An empty Redis on the same port: readiness returns by itself (the client catalog is refilled by its writers).
    redis = await startRedisServer({ port });
    await untilReady();
    expect(await readiness()).toBe(200);
  });
});
