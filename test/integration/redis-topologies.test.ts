// The server on the other Redis topologies: a three-node Cluster (the flows whose keys span a grant: code,
// rotation, reuse revocation) and a Sentinel-watched primary.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type ServerOptions, type TestServer } from '../support/purser.ts';
import { startRedisCluster } from '../support/redis-cluster.ts';
import { startRedisSentinel } from '../support/redis-sentinel.ts';
import { codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';

/** Starts `topology`, then a server on it, for the enclosing describe block. */
function serverOn(topology: () => Promise<{ options: Partial<ServerOptions> & { redisUrl: string }; stop(): Promise<void> }>) {
  const context = {} as { server: TestServer; stop(): Promise<void> };
  beforeAll(async () => {
    const started = await topology();
    context.stop = started.stop;
    context.server = await startPurser({ prefix: 'purser:', fixtures: await writeFixtures(), ...started.options });
  }, 60_000);
  afterAll(async () => {
    await context.server?.close();
    await context.stop?.();
  });
  return context;
}

/** Two sign-ins in one browser (the second finds the grant of the first), then rotation and reuse. */
async function rotateAndReuse(server: TestServer): Promise<void> {
  const rp = await relyingParty(server.issuer, 'webapp.test');
  const browser = new Browser();
  await codeFlow(rp, browser, { scope: 'openid' });
  const { tokens } = await codeFlow(rp, browser, { scope: 'openid offline_access', prompt: 'consent' });
  const rotated = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
  expect((await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!))).error_description).toMatch(/already used/);
  expect((await oauthFailure(oidc.refreshTokenGrant(rp, rotated.refresh_token!))).error_description).toMatch(/not recognised/);
}

describe('on Redis Cluster', () => {
  const context = serverOn(async () => {
    const cluster = await startRedisCluster();
    return { options: { redisUrl: cluster.seeds, redisMode: 'cluster' }, stop: cluster.stop };
  });

  it('signs in twice, rotates a refresh token, and revokes the family on reuse', () => rotateAndReuse(context.server));

  it('issues client_credentials tokens and reports ready', async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test');
    expect((await oidc.clientCredentialsGrant(rp)).access_token).toEqual(expect.any(String));
    expect((await fetch(`${context.server.url}/readyz`)).status).toBe(200);
  });
});

describe('through Redis Sentinel', () => {
  const context = serverOn(async () => {
    const sentinel = await startRedisSentinel();
    return { options: { redisUrl: sentinel.seeds, redisMode: 'sentinel', redisSentinelName: sentinel.primaryName }, stop: sentinel.stop };
  });

  it('signs in twice, rotates a refresh token, and revokes the family on reuse', () => rotateAndReuse(context.server));
});
