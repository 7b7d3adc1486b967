// A refresh whose rotation (the ROTATE script: the presented token spent, its successor and the access token stored)
// reaches Redis just as Redis stalls (CLIENT PAUSE, as a failover pauses writes) for longer than PURSER_REDIS_TIMEOUT:
// the client is answered 503 "retry later", and Redis runs the rotation once it resumes. The retry the 503 asks for
// presents a token that is now spent; for a client without a reuse grace that would be reuse, revoking the grant. The
// store marks the token for a retry window right behind the rotation (KEEP_FOR_RETRY, src/store/redis/artifacts.ts),
// so the retry gets the successor the stalled rotation stored, on the token fast path and on oidc-provider's alike.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { luaScript } from '../../src/store/redis/script-runner.ts';
import { ROTATE } from '../../src/store/redis/scripts.ts';
import { STORE_FAULT_DESCRIPTIONS, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';
import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { postRaw, type Answer } from '../support/raw-http.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { startStallTrigger, type StallTrigger } from '../support/redis-stall-trigger.ts';
import { codeFlow, relyingParty, SECRETS } from '../support/rp.ts';

let redis: StartedRedisServer;
let admin: Redis;
let trigger: StallTrigger;
let fast: TestServer;
let off: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
  trigger = await startStallTrigger(redis.port, admin);
  const options = { redisUrl: trigger.url, fixtures: await writeFixtures(), flags: ['--redis-timeout=1s'] };
  [fast, off] = await Promise.all([startPurser({ ...options, prefix: 'stall-retry:' }), startPurser({ ...options, prefix: 'stall-retry-off:', env: { PURSER_TOKEN_FAST_PATH: 'false' } })]);
}, 60_000);

afterAll(async () => {
  await fast?.close();
  await off?.close();
  await trigger?.close();
  admin?.disconnect();
  await redis?.stop();
});

const PAUSE_MS = 3000;
const ROTATE_SHA = luaScript(ROTATE).sha;
// webapp.test has no reuse grace: a spent token presented again is reuse.
const basic = `Basic ${Buffer.from(`webapp.test:${encodeURIComponent(SECRETS['webapp.test']!)}`).toString('base64')}`;
const refresh = (server: TestServer, token: string): Promise<Answer> =>
  postRaw(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` });
const refreshed = async (server: TestServer, token: string): Promise<string> => {
  const answer = await refresh(server, token);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { refresh_token: string }).refresh_token;
};

describe.each([
  ['the token fast path', () => fast],
  ["oidc-provider's path", () => off],
])('a refresh rotation stalled in Redis (%s)', (_path, server) => {
  it('RFC 9700 §4.14.2: a refresh retried after a 503 caused by a Redis stall gets the successor the stalled rotation stored; the grant stays', async () => {
    const { tokens } = await codeFlow(await relyingParty(server().issuer, 'webapp.test'), new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    // A refresh before, as on any server in use: Redis knows the rotation script.
    const presented = await refreshed(server(), tokens.refresh_token!);

    trigger.arm(ROTATE_SHA, PAUSE_MS);
    const stalled = await refresh(server(), presented);
    expect(trigger.fired()).toBe(true);
    expect(stalled.status).toBe(503);
    expect(JSON.parse(stalled.body)).toEqual({ error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.timeout });
    // PING waits for the stall to end; Redis has run the stalled rotation by then (it came first).
    await admin.ping();

    // The retry the 503 asked for, and another: both get the one successor the stalled rotation stored.
    const successor = await refreshed(server(), presented);
    expect(await refreshed(server(), presented)).toBe(successor);
    // The grant stays: that successor refreshes.
    const next = await refreshed(server(), successor);
    // And the chain has moved on: the spent token again is reuse, which still revokes the grant (no grace).
    const reuse = await refresh(server(), presented);
    expect(reuse.status).toBe(400);
    expect(JSON.parse(reuse.body)).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(server(), next)).status).toBe(400);
  });
});
