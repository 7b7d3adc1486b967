// The server on a three-node Redis Cluster: the flows whose keys span a grant (code, rotation, reuse revocation).
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { startRedisCluster, type StartedRedisCluster } from '../support/redis-cluster.ts';
import { codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';

let cluster: StartedRedisCluster;
let server: TestServer;

beforeAll(async () => {
  cluster = await startRedisCluster();
  server = await startPurser({ redisUrl: cluster.seeds, redisMode: 'cluster', prefix: 'purser:', fixtures: await writeFixtures() });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await cluster?.stop();
});

describe('on Redis Cluster', () => {
  it('signs in, rotates a refresh token, and revokes the family on reuse', async () => {
    const rp = await relyingParty(server.issuer, 'webapp.test');
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    const rotated = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!))).error_description).toMatch(/already used/);
    expect((await oauthFailure(oidc.refreshTokenGrant(rp, rotated.refresh_token!))).error_description).toMatch(/not recognised/);
  });

  it('issues client_credentials tokens and reports ready', async () => {
    const rp = await relyingParty(server.issuer, 'reports.test');
    expect((await oidc.clientCredentialsGrant(rp)).access_token).toEqual(expect.any(String));
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
