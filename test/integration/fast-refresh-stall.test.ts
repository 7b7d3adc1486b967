// The refresh_token fast path (src/server/fast-token/refresh.ts) and a stalled Redis (CLIENT PAUSE): a store fault met
// on the way is answered there (store-fault.ts), and must be the answer oidc-provider's path gives (a server with
// PURSER_TOKEN_FAST_PATH=false beside it, on the same Redis): 503 temporarily_unavailable, byte for byte but the
// volatile headers, while Redis is still stalled. The token presented stays usable for the retry the 503 asks for.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { STORE_FAULT_DESCRIPTIONS, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';
import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { postRaw, VOLATILE_HEADERS, type Answer } from '../support/raw-http.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { codeFlow, relyingParty, SECRETS } from '../support/rp.ts';

let redis: StartedRedisServer;
let fast: TestServer;
let off: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  const options = { redisUrl: redis.url, fixtures: await writeFixtures(), flags: ['--redis-timeout=1s'] };
  [fast, off] = await Promise.all([startPurser({ ...options, prefix: 'refresh-stall:' }), startPurser({ ...options, prefix: 'refresh-stall-off:', env: { PURSER_TOKEN_FAST_PATH: 'false' } })]);
}, 60_000);

afterAll(async () => {
  await fast?.close();
  await off?.close();
  await redis?.stop();
});

const PAUSE_MS = 4000;
const basic = `Basic ${Buffer.from(`webapp.test:${encodeURIComponent(SECRETS['webapp.test']!)}`).toString('base64')}`;
const refresh = (server: TestServer, token: string): Promise<Answer> =>
  postRaw(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` });
const stable = (answer: Answer) => ({ ...answer, headers: answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase())) });

async function refreshToken(server: TestServer): Promise<string> {
  const { tokens } = await codeFlow(await relyingParty(server.issuer, 'webapp.test'), new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
  return tokens.refresh_token!;
}

describe('the refresh_token fast path and a stalled Redis', () => {
  it('RFC 6749 §5.2: 503 temporarily_unavailable as oidc-provider answers it, and the token refreshes once Redis is back', async () => {
    const [onFast, onOff] = await Promise.all([refreshToken(fast), refreshToken(off)]);
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
    const ends = Date.now() + PAUSE_MS;
    admin.disconnect();
    const answers = await Promise.all([refresh(fast, onFast), refresh(off, onOff)]);
    // Answered while Redis was still stalled: neither waited for it to come back.
    expect(Date.now()).toBeLessThan(ends);
    const [a, b] = answers.map(stable);
    expect(JSON.parse(a!.body)).toEqual({ error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.timeout });
    expect(a).toEqual(b);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ends - Date.now()) + 200));
    expect((await refresh(fast, onFast)).status).toBe(200);
    expect((await refresh(off, onOff)).status).toBe(200);
  });
});
