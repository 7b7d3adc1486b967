// A refresh costs at most two Redis round trips (DESIGN "Redis rules": count them and keep them low): one read (the
// refresh token with its grant) and one atomic write (consume the token, store its successor and the access token).
// Counted on a Redis of its own, as network reads (INFO stats total_reads_processed: one per batch a client sends,
// so one per round trip when requests are sequential), like bench/token-throughput/redis-probe.ts does.
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';

let redis: StartedRedisServer;
let admin: Redis;
let server: TestServer;

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  server = await startPurser({ redisUrl: redis.url, prefix: 'round-trips:', fixtures: await writeFixtures() });
});

afterAll(async () => {
  await server?.close();
  await admin?.quit();
  await redis?.stop();
});

async function readsProcessed(): Promise<number> {
  const info = String(await admin.call('INFO', 'stats'));
  return Number(/^total_reads_processed:(\d+)/m.exec(info)![1]);
}

/**
 * The network reads Redis processed while `work` ran, less the one of the INFO command that counted them. The
 * server's background work (the logout queue's poll) may add a read to one request now and then, so callers take the
 * median of several.
 */
async function roundTrips<T>(work: () => Promise<T>): Promise<{ trips: number; result: T }> {
  const before = await readsProcessed();
  const result = await work();
  return { trips: (await readsProcessed()) - before - 1, result };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function signIn(clientId: string, scope: string) {
  const rp = await relyingParty(server.issuer, clientId);
  const { tokens } = await codeFlow(rp, new Browser(), { scope, prompt: 'consent' });
  // One refresh first: its scripts are loaded and its client cached, as on a server that has been up a while.
  const warm = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
  return { rp, refreshToken: warm.refresh_token! };
}

/** Round trips of each of `count` sequential refreshes along one chain. */
async function chainTrips(rp: oidc.Configuration, refreshToken: string, count: number): Promise<number[]> {
  const trips: number[] = [];
  let current = refreshToken;
  for (let i = 0; i < count; i++) {
    const measured = await roundTrips(() => oidc.refreshTokenGrant(rp, current));
    trips.push(measured.trips);
    current = measured.result.refresh_token!;
  }
  return trips;
}

/** Refreshes the token fast path answered (src/server/fast-token/refresh.ts; PURSER_TOKEN_FAST_PATH is on by default). */
async function fastRefreshes(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^purser_token_fast_path_total\{grant_type="refresh_token"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('Redis round trips per refresh', () => {
  it('a refresh with an opaque access token (stored with the rotation) takes at most 2, on the token fast path', async () => {
    const { rp, refreshToken } = await signIn('webapp.test', 'openid offline_access');
    const before = await fastRefreshes();
    const trips = await chainTrips(rp, refreshToken, 15);
    expect(median(trips)).toBeLessThanOrEqual(2);
    expect(Math.min(...trips)).toBeGreaterThan(0);
    expect((await fastRefreshes()) - before).toBe(15);
  });

  it('a refresh the fast path reads and hands to oidc-provider (another client presents it) takes 1: the read is reused', async () => {
    const { refreshToken } = await signIn('webapp.test', 'openid offline_access');
    const other = await relyingParty(server.issuer, 'graceful.test');
    const before = await fastRefreshes();
    const refusals = [];
    for (let i = 0; i < 7; i++) refusals.push(await roundTrips(() => oauthFailure(oidc.refreshTokenGrant(other, refreshToken))));
    expect(refusals.map((refusal) => refusal.result.error)).toEqual(Array(7).fill('invalid_grant'));
    expect(median(refusals.map((refusal) => refusal.trips))).toBe(1);
    expect(await fastRefreshes()).toBe(before);
  });

  it('a refresh with a JWT access token (nothing stored for it) takes at most 2', async () => {
    const { rp, refreshToken } = await signIn('webapp.test', 'openid offline_access reports:read');
    const trips = await chainTrips(rp, refreshToken, 15);
    expect(median(trips)).toBeLessThanOrEqual(2);
  });

  it('RFC 9700 §4.14.2: presentations of one token within its reuse grace take at most 2 each, and all get the same one successor', async () => {
    const { rp, refreshToken } = await signIn('graceful.test', 'openid offline_access');
    const presentations = [];
    for (let i = 0; i < 9; i++) presentations.push(await roundTrips(() => oidc.refreshTokenGrant(rp, refreshToken)));
    expect(median(presentations.map((p) => p.trips))).toBeLessThanOrEqual(2);
    expect(new Set(presentations.map((p) => p.result.refresh_token)).size).toBe(1);
    // The chain goes on from that successor.
    expect((await oidc.refreshTokenGrant(rp, presentations[0]!.result.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('RFC 9700 §4.14.2: reuse without a grace is still detected, and revokes the family', async () => {
    const { rp, refreshToken } = await signIn('webapp.test', 'openid offline_access');
    const next = await oidc.refreshTokenGrant(rp, refreshToken);
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, refreshToken))).error_description).toMatch(/^refresh token was already used/);
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, next.refresh_token!))).error).toBe('invalid_grant');
  });
});

// A refresh refused after oidc-provider has "consumed" the presented token and "saved" its successor (both held back
// until the access token is saved, adapter-request.ts) must leave the store as it was.
describe('a refresh refused after its writes were held back', () => {
  it('RFC 8707 §2, RFC 9700 §4.14.2: invalid_target stores nothing; the same token then rotates once, and its reuse is still detected', async () => {
    const { rp, refreshToken } = await signIn('webapp.test', 'openid offline_access reports:read');
    const refused = await oauthFailure(oidc.refreshTokenGrant(rp, refreshToken, { resource: 'https://elsewhere.test' }));
    expect(refused).toMatchObject({ status: 400, error: 'invalid_target' });
    const next = await oidc.refreshTokenGrant(rp, refreshToken);
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, refreshToken))).error_description).toMatch(/^refresh token was already used/);
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, next.refresh_token!))).error).toBe('invalid_grant');
  });

  it('RFC 9700 §4.14.2: within a reuse grace, a refused presentation links no successor: the next two get the one that works', async () => {
    const { rp, refreshToken } = await signIn('graceful.test', 'openid offline_access');
    expect(await oauthFailure(oidc.refreshTokenGrant(rp, refreshToken, { resource: 'https://elsewhere.test' }))).toMatchObject({ status: 400, error: 'invalid_target' });
    expect(await oauthFailure(oidc.refreshTokenGrant(rp, refreshToken, { scope: 'openid profile' }))).toMatchObject({ status: 400, error: 'invalid_scope' });
    const [first, second] = [await oidc.refreshTokenGrant(rp, refreshToken), await oidc.refreshTokenGrant(rp, refreshToken)];
    expect(second.refresh_token).toBe(first.refresh_token);
    expect((await oidc.refreshTokenGrant(rp, first.refresh_token!)).access_token).toEqual(expect.any(String));
  });
});

describe('a revocation racing rotations of the same token', () => {
  it('RFC 7009 §2.1, RFC 9700 §4.14.2: once both are done, no successor any rotation handed out works, nor its access token', async () => {
    const { rp, refreshToken } = await signIn('graceful.test', 'openid offline_access');
    const refreshes = Array.from({ length: 8 }, () => oidc.refreshTokenGrant(rp, refreshToken).catch(() => undefined));
    const [revoked, ...answers] = await Promise.all([oidc.tokenRevocation(rp, refreshToken, { token_type_hint: 'refresh_token' }), ...refreshes]);
    expect(revoked).toBeUndefined();
    const issued = answers.filter((answer) => answer !== undefined);
    expect(new Set(issued.map((answer) => answer.refresh_token)).size).toBeLessThanOrEqual(1);
    for (const answer of issued) {
      expect((await oauthFailure(oidc.refreshTokenGrant(rp, answer.refresh_token!))).error).toBe('invalid_grant');
      expect((await oidc.tokenIntrospection(rp, answer.access_token)).active).toBe(false);
    }
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, refreshToken))).error).toBe('invalid_grant');
  });
});
