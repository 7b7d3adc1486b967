// A Redis that stops answering (CLIENT PAUSE, or its process stopped with SIGSTOP) or is gone does not hold requests: each
// fails after PURSER_REDIS_TIMEOUT with 503 temporarily_unavailable while Redis is still stalled, /readyz says
// unavailable meanwhile, and both recover by themselves once Redis answers again. The client_credentials fast path
// answers that 503 itself, as oidc-provider's path does (a server with PURSER_TOKEN_FAST_PATH=false beside it),
// after one wait for Redis, not two.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { STORE_FAULT_DESCRIPTIONS, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';
import { form } from '../support/bad-input-http.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { postRaw, VOLATILE_HEADERS, type Answer } from '../support/raw-http.ts';
import { SECRETS } from '../support/rp.ts';

let redis: StartedRedisServer;
let server: TestServer;
/** oidc-provider's path alone, on the same Redis. */
let withoutFastPath: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  const options = { redisUrl: redis.url, fixtures: await writeFixtures(), flags: ['--redis-timeout=1s'] };
  server = await startPurser({ ...options, prefix: 'stall:' });
  withoutFastPath = await startPurser({ ...options, prefix: 'stall-off:', env: { PURSER_TOKEN_FAST_PATH: 'false' } });
});

afterAll(async () => {
  await server?.close();
  await withoutFastPath?.close();
  await redis?.stop();
});

const LEDGER_TOKEN_REQUEST = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'client_credentials', client_id: 'ledger.test', client_secret: SECRETS['ledger.test']! }) };

/** An opaque client_credentials token: one write to Redis. */
async function clientCredentials(): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await postRaw(server.url, LEDGER_TOKEN_REQUEST);
  return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
}

/** The opaque client_credentials tokens Redis holds under `prefix` (each request that reached Redis saved one). */
async function savedTokens(prefix: string): Promise<number> {
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    return (await admin.keys(`${prefix}*ClientCredentials:*`)).length;
  } finally {
    admin.disconnect();
  }
}

const stable = (answer: Answer) => ({ ...answer, headers: answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase())) });

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

describe('the client_credentials fast path and a stalled Redis', () => {
  it('RFC 6749 §5.2: answers 503 temporarily_unavailable itself, byte for byte as oidc-provider does, after one attempt to save the token', async () => {
    // Both servers have ledger.test cached: the token's save is the one request to Redis.
    expect((await postRaw(server.url, LEDGER_TOKEN_REQUEST)).status).toBe(200);
    expect((await postRaw(withoutFastPath.url, LEDGER_TOKEN_REQUEST)).status).toBe(200);
    const before = { fast: await savedTokens('stall:'), off: await savedTokens('stall-off:') };
    const { stalled, resume } = await STALLS[0]!.stall();
    let answers: Answer[];
    try {
      answers = await Promise.all([postRaw(server.url, LEDGER_TOKEN_REQUEST), postRaw(withoutFastPath.url, LEDGER_TOKEN_REQUEST)]);
      expect(stalled()).toBe(true);
    } finally {
      await resume();
    }
    const [fast, off] = answers.map(stable);
    expect(JSON.parse(fast!.body)).toEqual({ error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.timeout });
    expect(fast).toEqual(off);
    // The paused Redis ran what each server had sent once the pause ended: one save each. Handing the request over to
    // oidc-provider after the fast path's save timed out would have saved twice, the 503 after two timeouts.
    await untilReady();
    expect(await savedTokens('stall:')).toBe(before.fast + 1);
    expect(await savedTokens('stall-off:')).toBe(before.off + 1);
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
