// Several Purser processes, one Redis: any request on any process, and single use enforced across all of them.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { Browser } from '../support/browser.ts';
import { freePort, spawnPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { authorize, codeFlow, oauthFailure, relyingParty, retarget } from '../support/rp.ts';

const OFFLINE = { scope: 'openid offline_access', prompt: 'consent' };
let replicas: TestServer[] = [];
let issuer: string;
let prefix: string;

beforeAll(async () => {
  const fixtures = await writeFixtures();
  prefix = uniquePrefix('replicas');
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const redisUrl = inject('redisUrl');
  // Three processes of one installation: same issuer, keys and Redis; each on its own port.
  replicas = await Promise.all([port, await freePort(), await freePort()].map((p) => spawnPurser({ redisUrl, prefix, fixtures, issuer, port: p })));
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.close()));
});

const [A, B, C] = [0, 1, 2];
const via = (index: number) => replicas[index]!.url;

describe('any request on any replica', () => {
  it('redeems on B a code issued by A, and rotates on C a refresh token issued by B', async () => {
    const rp = await relyingParty(issuer, 'webapp.test', { via: via(A) });
    const result = await authorize(rp, new Browser(), OFFLINE);
    retarget(rp, issuer, via(B));
    const fromB = await oidc.authorizationCodeGrant(rp, result.callbackUrl, {
      pkceCodeVerifier: result.codeVerifier,
      expectedState: result.state,
      expectedNonce: result.nonce,
    });
    expect(fromB.claims()?.sub).toBe('alice');

    retarget(rp, issuer, via(C));
    const fromC = await oidc.refreshTokenGrant(rp, fromB.refresh_token!);
    expect(fromC.refresh_token).not.toBe(fromB.refresh_token);
    expect((await oidc.tokenIntrospection(rp, fromC.access_token)).active).toBe(true);
  });
});

describe('single use across replicas', () => {
  /** Sends the same token request 50 times at once, spread over the three replicas. */
  async function race(body: URLSearchParams): Promise<number[]> {
    const basic = Buffer.from('webapp.test:webapp-secret-0123456789abcdefghijklmnopqr').toString('base64');
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${via(i % 3)}/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body }),
      ),
    );
    return responses.map((response) => response.status);
  }

  it('lets exactly one of 50 concurrent redemptions of one code succeed', async () => {
    const rp = await relyingParty(issuer, 'webapp.test', { via: via(A) });
    const result = await authorize(rp, new Browser(), { scope: 'openid' });
    const statuses = await race(
      new URLSearchParams({ grant_type: 'authorization_code', code: result.callbackUrl.searchParams.get('code')!, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: result.codeVerifier }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
  });

  it('RFC 9700 §4.14.2: with a reuse grace, 30 concurrent presentations of one refresh token on three replicas all get the same one successor', async () => {
    const rp = await relyingParty(issuer, 'graceful.test', { via: via(A) });
    const { tokens } = await codeFlow(rp, new Browser(), OFFLINE);
    const basic = Buffer.from('graceful.test:graceful-secret-0123456789abcdefghijklmno').toString('base64');
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${via(i % 3)}/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body }),
      ),
    );
    const answers = (await Promise.all(responses.map((response) => response.json()))) as { refresh_token?: string }[];
    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(200));
    expect(new Set(answers.map((answer) => answer.refresh_token)).size).toBe(1);
  });

  it('lets exactly one of 50 concurrent rotations of one refresh token succeed', async () => {
    const rp = await relyingParty(issuer, 'webapp.test', { via: via(A) });
    const { tokens } = await codeFlow(rp, new Browser(), OFFLINE);
    const statuses = await race(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
  });
});

describe('OAuthAPI changes across replicas (each keeps API records in memory)', () => {
  it('a narrowed OAuthAPI, then a deleted one, takes effect on the next token request of every replica', async () => {
    // The API catalog opened a second time, as the controller writes it.
    const writer = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
    const original = (await writer.apis.get('https://reports.test'))!;
    const clients = await Promise.all([A, B].map((replica) => relyingParty(issuer, 'reports.test', { via: via(replica) })));
    const grant = (rp: oidc.Configuration) => oidc.clientCredentialsGrant(rp, { scope: 'reports:write', resource: 'https://reports.test' });
    try {
      // Both replicas have read (and keep) the record.
      for (const rp of clients) expect((await grant(rp)).scope).toBe('reports:write');
      const { 'reports.test': _admitted, ...others } = original.clients;
      await writer.apis.put({ ...original, clients: { ...others, 'reports.test': { userDelegated: [], clientCredentials: ['reports:read'] } } });
      for (const rp of clients) {
        expect(await oauthFailure(grant(rp))).toMatchObject({ status: 400, error: 'invalid_scope', error_description: expect.stringContaining('reports:write') });
      }
      await writer.apis.delete('https://reports.test');
      for (const rp of clients) {
        expect(await oauthFailure(grant(rp))).toEqual({
          status: 400,
          error: 'invalid_target',
          error_description: "no OAuthAPI declares the audience 'https://reports.test'; its API team declares it with an OAuthAPI resource",
        });
      }
      await writer.apis.put(original);
      for (const rp of clients) expect((await grant(rp)).scope).toBe('reports:write');
    } finally {
      await writer.apis.put(original);
      await writer.close();
    }
  });
});
