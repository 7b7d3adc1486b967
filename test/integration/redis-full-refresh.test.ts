// A Redis that fills up in the middle of a refresh (RFC 6749 §6, RFC 9700 §4.14.2) or a code exchange (§4.1.3): the
// presented refresh token was read (or the code consumed), then Redis refuses what it buys (the successor, the tokens). The
// client is told 503 temporarily_unavailable, "nothing was changed", so it retries once memory is freed; the retry
// must be served, not taken for reuse of a spent token or code (which revokes the whole grant). The fault is the
// real one: the test fills the real Redis at exactly that moment.
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { STORE_FAULT_DESCRIPTIONS, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';
import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { fillRedis, freeRedis } from '../support/redis-faults.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { authorize, codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';
import type { RunningServer } from '../../src/server/start.ts';

let redis: StartedRedisServer;
let admin: Redis;
let server: TestServer & { running: RunningServer };

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  server = await startPurser({ redisUrl: redis.url, prefix: 'full-refresh:', fixtures: await writeFixtures() });
});

afterAll(async () => {
  await server?.close();
  await admin?.quit();
  await redis?.stop();
});

describe('a Redis that fills up between reading a refresh token and storing its rotation', () => {
  it('answers 503 temporarily_unavailable, and the retry after memory is freed gets a working successor (grant not revoked)', async () => {
    const rp = await relyingParty(server.issuer, 'webapp.test');
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    const artifacts = server.running.store.artifacts;
    const rotate = artifacts.rotate.bind(artifacts);
    let filled = false;
    artifacts.rotate = async (...args) => {
      artifacts.rotate = rotate;
      filled = true;
      await fillRedis(admin);
      return rotate(...args);
    };
    expect(await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!))).toEqual({ status: 503, error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.full });
    expect(filled).toBe(true);
    await freeRedis(admin);

    const retried = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(retried.refresh_token).toEqual(expect.any(String));
    // The chain goes on from the successor.
    expect((await oidc.refreshTokenGrant(rp, retried.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('RFC 6749 §4.1.2: a code exchange whose refresh token Redis refuses answers 503, and the retried code then gets tokens (not code reuse)', async () => {
    const rp = await relyingParty(server.issuer, 'webapp.test');
    const flow = await authorize(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    const artifacts = server.running.store.artifacts;
    const upsert = artifacts.upsert.bind(artifacts);
    let filled = false;
    artifacts.upsert = async (model, ...args) => {
      if (model === 'RefreshToken' && !filled) {
        artifacts.upsert = upsert;
        filled = true;
        await fillRedis(admin);
      }
      return upsert(model, ...args);
    };
    const exchange = () => oidc.authorizationCodeGrant(rp, flow.callbackUrl, { pkceCodeVerifier: flow.codeVerifier, expectedState: flow.state, expectedNonce: flow.nonce });
    expect(await oauthFailure(exchange())).toEqual({ status: 503, error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.full });
    expect(filled).toBe(true);
    await freeRedis(admin);
    const tokens = await exchange();
    expect([tokens.access_token, tokens.refresh_token]).toEqual([expect.any(String), expect.any(String)]);
    // The code is spent now, for good.
    expect((await oauthFailure(exchange())).error).toBe('invalid_grant');
  });
});
