// Rotating refresh tokens: rotation on every use, reuse revokes the family, the grace window, lifetimes, and error
// descriptions that say exactly what is wrong with the token that was sent.
import { setTimeout as sleep } from 'node:timers/promises';

import * as oidc from 'openid-client';
import { describe, expect, inject, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures } from '../support/purser.ts';
import { artifactKey } from '../../src/store/redis/keys.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, relyingParty, SECRETS } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('refresh-tokens');
const OFFLINE = { scope: 'openid offline_access', prompt: 'consent' };

async function signIn(clientId: string, params: Record<string, string> = OFFLINE) {
  const rp = await relyingParty(context.server.issuer, clientId);
  const { tokens } = await codeFlow(rp, new Browser(), params);
  return { rp, tokens };
}

const refresh = (rp: oidc.Configuration, token: string) => oidc.refreshTokenGrant(rp, token);

describe('refresh tokens', () => {
  it('are issued for offline_access only', async () => {
    const offline = await signIn('webapp.test', { scope: 'openid offline_access', prompt: 'consent' });
    expect(offline.tokens.refresh_token).toEqual(expect.any(String));
    const online = await signIn('webapp.test', { scope: 'openid' });
    expect(online.tokens.refresh_token).toBeUndefined();
  });

  it('rotate on every use; the old one is refused and its reuse revokes the whole family', async () => {
    const { rp, tokens } = await signIn('webapp.test');
    const second = await refresh(rp, tokens.refresh_token!);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    expect(second.claims()?.sub).toBe('alice');

    const reuse = await oauthFailure(refresh(rp, tokens.refresh_token!));
    expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });
    expect(reuse.error_description).toMatch(/^refresh token was already used: refresh tokens rotate on every use/);

    const family = await oauthFailure(refresh(rp, second.refresh_token!));
    expect(family.error).toBe('invalid_grant');
    expect(family.error_description).toMatch(/not recognised/);
    expect((await oidc.tokenIntrospection(rp, second.access_token)).active).toBe(false);
  });

  it('RFC 9700 §4.14.2: within the grace period every presentation of a token gets the same one successor', async () => {
    const { rp, tokens } = await signIn('graceful.test');
    const presentations = [];
    for (let i = 0; i < 3; i++) presentations.push(await refresh(rp, tokens.refresh_token!));
    const successors = new Set(presentations.map((p) => p.refresh_token));
    expect(successors.size).toBe(1);
    expect(successors.has(tokens.refresh_token)).toBe(false);
    // Each presentation gets an access token of its own; the chain stays one.
    expect(new Set(presentations.map((p) => p.access_token)).size).toBe(3);
    expect((await refresh(rp, presentations[0]!.refresh_token!)).refresh_token).toEqual(expect.any(String));
  });

  it('RFC 9700 §4.14.2: a parallel burst (a cookie-session proxy) gets one successor, and the family lives on', async () => {
    const { rp, tokens } = await signIn('graceful.test');
    const burst = await Promise.all(Array.from({ length: 5 }, () => refresh(rp, tokens.refresh_token!)));
    const successors = new Set(burst.map((p) => p.refresh_token));
    expect(successors.size).toBe(1);
    const next = await refresh(rp, [...successors][0]!);
    expect((await oidc.tokenIntrospection(rp, next.refresh_token!)).active).toBe(true);
  });

  it('RFC 9700 §4.14.2: once the successor has itself been rotated, presenting the older token is reuse and revokes the family', async () => {
    const { rp, tokens } = await signIn('graceful.test');
    const second = await refresh(rp, tokens.refresh_token!);
    const third = await refresh(rp, second.refresh_token!);
    const reuse = await oauthFailure(refresh(rp, tokens.refresh_token!));
    expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });
    expect(reuse.error_description).toMatch(/already used/);
    expect((await oidc.tokenIntrospection(rp, third.refresh_token!)).active).toBe(false);
    expect((await oauthFailure(refresh(rp, third.refresh_token!))).error).toBe('invalid_grant');
  });

  it('RFC 9700 §4.14.2: a token consumed by a replica that died before answering works once more within the grace, always with the same successor', async () => {
    const { rp, tokens } = await signIn('graceful.test');
    const redis = connectTestRedis();
    try {
      // What a replica killed right after the consume script ran leaves behind: a consumed token and no successor.
      await redis.hset(artifactKey(context.server.prefix, 'RefreshToken', tokens.refresh_token!), 'c', Math.floor(Date.now() / 1000));
      const retried = await refresh(rp, tokens.refresh_token!);
      const again = await refresh(rp, tokens.refresh_token!);
      expect(again.refresh_token).toBe(retried.refresh_token);
      expect((await refresh(rp, retried.refresh_token!)).access_token).toEqual(expect.any(String));
    } finally {
      await redis.quit();
    }
  });

  it('never outlive the absolute lifetime of their chain', async () => {
    const { rp, tokens } = await signIn('bounded.test');
    const rotated = await refresh(rp, tokens.refresh_token!);
    const introspection = await oidc.tokenIntrospection(rp, rotated.refresh_token!);
    expect(introspection).toMatchObject({ active: true, client_id: 'bounded.test', sub: 'alice' });
    // ttl 14d, absolute 1h: the chain ends an hour after the first token, whatever the rotation.
    expect(introspection.exp! - introspection.iat!).toBeLessThanOrEqual(3600);
    expect(introspection.exp! - introspection.iat!).toBeGreaterThan(3500);
  });

  it('say when they have expired', async () => {
    const { rp, tokens } = await signIn('shortlived.test');
    await sleep(3000);
    expect(await oauthFailure(refresh(rp, tokens.refresh_token!))).toEqual({
      status: 400,
      error: 'invalid_grant',
      error_description: 'refresh token has expired: start a new authorization',
    });
  });

  it('stop working once revoked', async () => {
    const { rp, tokens } = await signIn('webapp.test');
    await oidc.tokenRevocation(rp, tokens.refresh_token!);
    expect((await oauthFailure(refresh(rp, tokens.refresh_token!))).error).toBe('invalid_grant');
    expect((await oidc.tokenIntrospection(rp, tokens.refresh_token!)).active).toBe(false);
  });
});

describe('what is wrong with the token sent as refresh_token', () => {
  it.each([
    ['a trailing newline', (t: { refresh_token?: string }) => `${t.refresh_token}\n`, /trailing whitespace \(a pasted newline\?\)/],
    ['a JWT access token', (t: { access_token: string }) => t.access_token, /this is a JWT \(an access token or id_token\), not a refresh token/],
    ['an id_token', (t: { id_token?: string }) => t.id_token!, /this is a JWT/],
    ['an unknown value', () => 'x'.repeat(43), /^refresh token not recognised/],
  ])('%s', async (_label, pick, description) => {
    const { rp } = await signIn('webapp.test');
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access reports:read', prompt: 'consent' });
    const failure = await oauthFailure(refresh(rp, pick(tokens as never)));
    expect(failure.error).toBe('invalid_grant');
    expect(failure.error_description).toMatch(description);
  });

  it("another client's opaque token: not recognised, revealing nothing about it", async () => {
    const ledger = await relyingParty(context.server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost(SECRETS['ledger.test']) });
    const { access_token } = await oidc.clientCredentialsGrant(ledger);
    const { rp } = await signIn('webapp.test');
    const failure = await oauthFailure(refresh(rp, access_token));
    expect(failure.error_description).toMatch(/^refresh token not recognised/);
  });

  it('an opaque access token', async () => {
    const { rp, tokens } = await signIn('webapp.test');
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const failure = await oauthFailure(refresh(rp, tokens.access_token));
    expect(failure.error_description).toBe('this is an access token, not a refresh token: send the refresh_token from the token response');
  });
});

describe('the grant behind a refresh chain', () => {
  it('starts its lifetime over when a new authorization reuses it, so a new chain cannot outlive it', async () => {
    const server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('grant-lifetime'), fixtures: await writeFixtures() });
    const redis = connectTestRedis();
    try {
      const rp = await relyingParty(server.issuer, 'bounded.test');
      const browser = new Browser();
      await codeFlow(rp, browser, OFFLINE);
      const [grantKey] = await redis.keys(`${server.prefix}*:Grant:*`);
      // bounded.test: absolute lifetime 1h, sessions 14d; the grant lives as long as the longer.
      const renewed = async () => (await redis.ttl(grantKey!)) > 14 * 86400 - 60;

      // Age the grant, as if it had been given long ago, then authorize again with consent remembered...
      await redis.expire(grantKey!, 100);
      await codeFlow(rp, browser, { scope: 'openid' });
      expect(await renewed()).toBe(true);

      // ...and with consent asked again (offline_access needs prompt=consent), which starts a new chain.
      await redis.expire(grantKey!, 100);
      const { tokens } = await codeFlow(rp, browser, OFFLINE);
      expect(await renewed()).toBe(true);
      expect(await redis.keys(`${server.prefix}*:Grant:*`)).toEqual([grantKey]);
      expect((await refresh(rp, tokens.refresh_token!)).access_token).toEqual(expect.any(String));
    } finally {
      await redis.quit();
      await server.close();
    }
  });
});
