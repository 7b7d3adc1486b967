// RFC 7662 §2.2 for JWT access tokens: an API gateway introspects any Purser token. A valid JWT whose client still
// exists is active with its claims, for its own client and for a resource server of its audience; everything else
// (expired, forged, unknown key, another kind of JWT, garbage, a deleted client, a caller who may not see it) is
// `{"active": false}` and nothing more. A JWT issued under a grant is inactive once the grant is gone. Revoking one
// (RFC 7009): a valid one is unsupported_token_type, an invalid one 200.
import { readFile } from 'node:fs/promises';

import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { JWT_ACCESS_TOKEN_NOT_REVOCABLE } from '../../src/server/errors/descriptions.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import { Browser } from '../support/browser.ts';
import { codeFlow, relyingParty, SECRETS } from '../support/rp.ts';
import { startPurser, writeFixtures, type Fixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';

let server: TestServer;
let fixtures: Fixtures;

beforeAll(async () => {
  fixtures = await writeFixtures();
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('jwt-introspection'), fixtures });
});
afterAll(async () => server?.close());

const reports = () => relyingParty(server.issuer, 'reports.test');
/** webapp.test is confidential and lists https://reports.test among its audiences: a resource server for it. */
const resourceServer = () => relyingParty(server.issuer, 'webapp.test');
const ledger = () => relyingParty(server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost(SECRETS['ledger.test']!) });

/** A code flow of webapp.test for https://reports.test with offline_access: a JWT access token under a grant. */
async function webappTokens() {
  const rp = await resourceServer();
  const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access reports:read', prompt: 'consent' });
  return { rp, accessToken: tokens.access_token, refreshToken: tokens.refresh_token! };
}

async function reportsJwt(): Promise<string> {
  return (await oidc.clientCredentialsGrant(await reports(), { scope: 'reports:read' })).access_token;
}

/** The server's own ES256 signing key (from the key file it was started with). */
async function serverKey(): Promise<{ jwk: JWK; kid: string }> {
  const { keys } = JSON.parse(await readFile(fixtures.jwksFile, 'utf8')) as { keys: Array<JWK & { kid: string }> };
  const jwk = keys.find((key) => key.alg === 'ES256' && key.d)!;
  return { jwk, kid: jwk.kid };
}

/** A JWT like Purser's access tokens, with `changes` applied, signed by `key` (default: the server's own key). */
async function craft(changes: { claims?: Record<string, unknown>; typ?: string; key?: { jwk: JWK; kid: string } } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { jwk, kid } = changes.key ?? (await serverKey());
  const claims = { iss: server.issuer, sub: 'reports.test', aud: 'https://reports.test', iat: now - 60, exp: now + 600, client_id: 'reports.test', scope: 'reports:read', jti: 'crafted' };
  return new SignJWT({ ...claims, ...changes.claims })
    .setProtectedHeader({ alg: 'ES256', typ: changes.typ ?? 'at+jwt', kid })
    .sign(await importJWK(jwk, 'ES256'));
}

async function anotherKey(kid: string): Promise<{ jwk: JWK; kid: string }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { jwk: await exportJWK(privateKey), kid };
}

describe('RFC 7662 §2.2: a JWT access token Purser can vouch for', () => {
  it('is active for its own client, with its claims (a client_credentials token names no grant)', async () => {
    const token = await reportsJwt();
    const claims = decodeJwt(token);
    expect(claims).not.toHaveProperty('grant_ref');
    const answer = await oidc.tokenIntrospection(await reports(), token);
    expect(answer).toEqual({
      active: true,
      iss: server.issuer,
      client_id: 'reports.test',
      sub: 'reports.test',
      aud: 'https://reports.test',
      scope: 'reports:read',
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer',
    });
  });

  it('is active for a resource server of its audience (the introspection policy of today)', async () => {
    const answer = await oidc.tokenIntrospection(await resourceServer(), await reportsJwt());
    expect(answer).toMatchObject({ active: true, client_id: 'reports.test', aud: 'https://reports.test' });
  });

  it('with token_type_hint=access_token too', async () => {
    const answer = await oidc.tokenIntrospection(await reports(), await reportsJwt(), { token_type_hint: 'access_token' });
    expect(answer.active).toBe(true);
  });
});

describe('RFC 7662 §2.2: anything else is {"active": false} and nothing more', () => {
  it('for a caller that may not see the token (neither its client nor a resource server of its audience)', async () => {
    expect(await oidc.tokenIntrospection(await ledger(), await reportsJwt())).toEqual({ active: false });
  });

  it.each([
    ['expired', () => craft({ claims: { exp: Math.floor(Date.now() / 1000) - 1 } })],
    ['signed by another key under the kid of the server', async () => craft({ key: await anotherKey((await serverKey()).kid) })],
    ['signed by a key the server does not know', async () => craft({ key: await anotherKey('unknown-kid') })],
    ['not an access token (typ JWT, like an id_token)', () => craft({ typ: 'JWT' })],
    ['from another issuer', () => craft({ claims: { iss: 'https://evil.test' } })],
    ['of a client that does not exist', () => craft({ claims: { client_id: 'nobody.test' } })],
    ['unsigned (alg none)', async () => `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ client_id: 'reports.test', iss: server.issuer })).toString('base64url')}.`],
    ['JWT-shaped garbage', async () => 'eyJhbGciOiJFUzI1NiJ9.garbage.garbage'],
    ['naming a grant that is not stored', () => craft({ claims: { grant_ref: 'A'.repeat(51) } })],
    ['with a grant_ref that is not a reference', () => craft({ claims: { grant_ref: 42 } })],
  ])('%s', async (_label, token) => {
    expect(await oidc.tokenIntrospection(await reports(), await token())).toEqual({ active: false });
  });

  it('a crafted token like the above, signed with the right key, is active (so the cases above fail for their reason)', async () => {
    expect(await oidc.tokenIntrospection(await reports(), await craft())).toMatchObject({ active: true, jti: 'crafted' });
  });

  it("once its client is deleted, at a resource server that introspects (deleting a client stops its JWTs there)", async () => {
    const token = await reportsJwt();
    const rs = await resourceServer();
    expect((await oidc.tokenIntrospection(rs, token)).active).toBe(true);
    const writer = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix: server.prefix });
    const record = (await writer.clients.get('reports.test'))!;
    try {
      await writer.clients.delete('reports.test');
      await expect.poll(async () => oidc.tokenIntrospection(rs, token)).toEqual({ active: false });
    } finally {
      await writer.clients.put(record);
      await writer.close();
    }
  });
});

describe('RFC 7662 §2.2: a JWT access token issued under a grant (README "Introspection")', () => {
  it('names its grant only by an opaque grant_ref, which introspection does not echo', async () => {
    const { rp, accessToken } = await webappTokens();
    const claims = decodeJwt(accessToken);
    expect(claims.grant_ref).toMatch(/^[\w-]{51}$/);
    const answer = await oidc.tokenIntrospection(rp, accessToken);
    expect(answer).toMatchObject({ active: true, client_id: 'webapp.test', aud: 'https://reports.test', jti: claims.jti });
    expect(answer).not.toHaveProperty('grant_ref');
  });

  it('RFC 7009 §2.1: revoking its refresh token ends the grant; the JWT access token then introspects {"active": false}, and revoking it is 200 (§2.2: invalid)', async () => {
    const { rp, accessToken, refreshToken } = await webappTokens();
    await oidc.tokenRevocation(rp, refreshToken);
    expect(await oidc.tokenIntrospection(rp, accessToken)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(await resourceServer(), accessToken)).toEqual({ active: false });
    await expect(oidc.tokenRevocation(rp, accessToken)).resolves.toBeUndefined();
  });

  it('RFC 7009 §2.2.1: revoking the JWT itself is unsupported_token_type, and ends neither it nor its grant', async () => {
    const { rp, accessToken, refreshToken } = await webappTokens();
    expect(await oidc.tokenRevocation(rp, accessToken).catch((error: unknown) => error)).toMatchObject({ status: 400, error: 'unsupported_token_type' });
    expect((await oidc.tokenIntrospection(rp, accessToken)).active).toBe(true);
    expect((await oidc.refreshTokenGrant(rp, refreshToken)).access_token).toEqual(expect.any(String));
  });
});

describe('RFC 7009 §2.2: revoking a JWT', () => {
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['signed by a key that is not ours', async () => craft({ key: await anotherKey('not-ours') })],
    ['expired', () => craft({ claims: { iat: now() - 7200, exp: now() - 3600 } })],
    ['of another typ (an id_token)', () => craft({ typ: 'JWT' })],
    ['a JWT header over garbage', async () => 'eyJhbGciOiJFUzI1NiJ9.e30.garbage'],
  ] as Array<[string, () => Promise<string>]>)('RFC 7009 §2.2: an invalid token (%s) answers 200, not an error', async (_label, token) => {
    await expect(oidc.tokenRevocation(await reports(), await token())).resolves.toBeUndefined();
  });

  it('RFC 7009 §2.2.1: a valid JWT access token of ours is unsupported_token_type (it cannot be revoked, it expires)', async () => {
    const failure = await oidc.tokenRevocation(await reports(), await reportsJwt()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(oidc.ResponseBodyError);
    expect(failure).toMatchObject({ status: 400, error: 'unsupported_token_type', error_description: JWT_ACCESS_TOKEN_NOT_REVOCABLE });
  });
});
