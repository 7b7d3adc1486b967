// Revoking everything issued to a client (what the controller does when an OAuthClient is deleted), seen from the
// token endpoint: its refresh tokens are refused and its opaque tokens introspect as inactive; other clients' work.
// On standalone Redis and on a Cluster, where a client's tokens must share its slot.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { clientTag } from '../../src/store/keys.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { Browser } from '../support/browser.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { startRedisCluster } from '../support/redis-cluster.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, relyingParty, SECRETS } from '../support/rp.ts';

const OFFLINE = { scope: 'openid offline_access', prompt: 'consent' };

interface Installation {
  server: TestServer;
  /** The controller's view: another handle on the installation's Redis. */
  store: Store;
  stop(): Promise<void>;
}

const active = async (rp: oidc.Configuration, token: string) => (await oidc.tokenIntrospection(rp, token)).active;

/** The revocation cases against a server and a second store handle on the Redis `start` provides. */
function revocationCases(start: () => Promise<{ url: string; mode: 'standalone' | 'cluster'; stop(): Promise<void> }>) {
  const installation = {} as Installation;
  beforeAll(async () => {
    const redis = await start();
    const prefix = uniquePrefix('client-revocation');
    installation.stop = redis.stop;
    installation.server = await startPurser({ redisUrl: redis.url, redisMode: redis.mode, prefix, fixtures: await writeFixtures() });
    installation.store = await createRedisStore({ url: redis.url, mode: redis.mode, prefix });
  }, 60_000);
  afterAll(async () => {
    await installation.store?.close();
    await installation.server?.close();
    await installation.stop?.();
  });

  /** A sign-in in a browser of its own, so each one makes a grant of its own. */
  async function signIn(clientId: string) {
    const rp = await relyingParty(installation.server.issuer, clientId);
    const { tokens } = await codeFlow(rp, new Browser(), OFFLINE);
    return { rp, tokens };
  }

  async function ledgerToken() {
    const rp = await relyingParty(installation.server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost(SECRETS['ledger.test']!) });
    const { access_token } = await oidc.clientCredentialsGrant(rp, { scope: 'ledger:read' });
    // Opaque, and its id carries the client's tag: the store files it with the client's other tokens.
    expect(access_token.split('.')).toHaveLength(1);
    expect(access_token.startsWith(clientTag('ledger.test'))).toBe(true);
    return { rp, token: access_token };
  }

  it('refuses its refresh tokens and deactivates its access tokens, from every grant; other clients keep theirs', async () => {
    const [first, second] = [await signIn('webapp.test'), await signIn('webapp.test')];
    const other = await signIn('graceful.test');
    const ledger = await ledgerToken();

    await installation.store.artifacts.revokeByClientId('webapp.test');

    for (const { rp, tokens } of [first, second]) {
      expect(await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!))).toMatchObject({ status: 400, error: 'invalid_grant' });
      expect(await active(rp, tokens.access_token)).toBe(false);
      expect(await active(rp, tokens.refresh_token!)).toBe(false);
    }
    expect((await oidc.refreshTokenGrant(other.rp, other.tokens.refresh_token!)).refresh_token).toEqual(expect.any(String));
    expect(await active(ledger.rp, ledger.token)).toBe(true);
  });

  it('deactivates its opaque client_credentials tokens; other clients keep theirs', async () => {
    const [one, two] = [await ledgerToken(), await ledgerToken()];
    const other = await signIn('webapp.test');

    await installation.store.artifacts.revokeByClientId('ledger.test');

    expect(await active(one.rp, one.token)).toBe(false);
    expect(await active(two.rp, two.token)).toBe(false);
    expect(await active(other.rp, other.tokens.access_token)).toBe(true);
    expect((await oidc.refreshTokenGrant(other.rp, other.tokens.refresh_token!)).refresh_token).toEqual(expect.any(String));
    // The client is still in the catalog here (the controller removes it first), so it gets new tokens again.
    expect(await active(one.rp, (await ledgerToken()).token)).toBe(true);
  });

  it('is idempotent: a second revocation changes nothing', async () => {
    const other = await signIn('webapp.test');
    await installation.store.artifacts.revokeByClientId('ledger.test');
    await installation.store.artifacts.revokeByClientId('ledger.test');
    expect(await active(other.rp, other.tokens.access_token)).toBe(true);
  });
}

describe('revoking a client, on standalone Redis', () => {
  revocationCases(async () => ({ url: inject('redisUrl'), mode: 'standalone', stop: async () => {} }));
});

describe('revoking a client, on Redis Cluster', () => {
  revocationCases(async () => {
    const cluster = await startRedisCluster();
    return { url: cluster.seeds, mode: 'cluster', stop: cluster.stop };
  });
});
