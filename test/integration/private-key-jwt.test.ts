// private_key_jwt (RFC 7523 §2.2, §3) with openid-client, and discovery advertising exactly what works.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

import { SignJWT, decodeJwt, importJWK } from 'jose';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS } from '../../src/server/provider/client-assertions.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('private-key-jwt');
const CLIENT_ID = 'signer.test';
/** A test-only key; its public half is the signer client's jwks in test/fixtures/clients/service.yaml. */
const PRIVATE_JWK = { kty: 'EC', crv: 'P-256', x: '5-J6Mnlg5rAe7LqJ6KePVUJbuSIZ9yJfF975-GAkUs4', y: 'cDwo_Xq59mP9CW08qFCoiRoinKbamXxaTXH1FUuvas8', d: 'j0RzWoF_dhBnoevSsniJr3w7hRNFuiqcMWFG29LiREM', kid: 'signer-1' };
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function assertion(claims: { exp?: number; jti?: string; aud?: string } = {}) {
  const key = await importJWK(PRIVATE_JWK, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: claims.jti ?? randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: PRIVATE_JWK.kid })
    .setIssuer(CLIENT_ID)
    .setSubject(CLIENT_ID)
    .setAudience(claims.aud ?? context.server.issuer)
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 60)
    .sign(key);
}

async function tokenWith(clientAssertion: string) {
  const response = await fetch(`${context.server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports:read', client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('private_key_jwt client authentication (RFC 7523)', () => {
  it('RFC 7523 §2.2: openid-client authenticates with PrivateKeyJwt and gets a client_credentials token', async () => {
    const key = await importJWK(PRIVATE_JWK, 'ES256');
    const rp = await oidc.discovery(new URL(context.server.issuer), CLIENT_ID, undefined, oidc.PrivateKeyJwt({ key: key as CryptoKey, kid: PRIVATE_JWK.kid }), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(rp, { scope: 'reports:read' });
    expect(tokens.scope).toBe('reports:read');
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: CLIENT_ID, aud: 'https://reports.test' });
  });

  it('RFC 7523 §3: an assertion is accepted once; a replay of its jti is refused', async () => {
    const once = await assertion();
    expect((await tokenWith(once)).status).toBe(200);
    const replay = await tokenWith(once);
    expect(replay).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('RFC 7523 §3: of concurrent presentations of one assertion, exactly one is accepted', async () => {
    const once = await assertion();
    const answers = await Promise.all(Array.from({ length: 8 }, () => tokenWith(once)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
  });

  it('RFC 7523 §3: an expired assertion, or one for another audience, is refused', async () => {
    const expired = await tokenWith(await assertion({ exp: Math.floor(Date.now() / 1000) - 120 }));
    expect(expired).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const elsewhere = await tokenWith(await assertion({ aud: 'https://another-issuer.test' }));
    expect(elsewhere).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('RFC 7523 §3: an assertion made for another server\'s token endpoint is refused, even with that server named in an absolute-form request-target (RFC 9112 §3.2.2)', async () => {
    const elsewhere = await assertion({ aud: 'http://another-issuer.test/token' });
    const { hostname, port } = new URL(context.server.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const outgoing = request({ host: hostname, port, method: 'POST', path: 'http://another-issuer.test/token', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (incoming) => {
        incoming.resume().on('end', () => resolve(incoming.statusCode)).on('error', reject);
      });
      outgoing.on('error', reject).end(new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports:read', client_assertion_type: ASSERTION_TYPE, client_assertion: elsewhere }).toString());
    });
    expect(status).toBe(401);
  });

  it('refuses a secret for a private_key_jwt client: it has none', async () => {
    const response = await fetch(`${context.server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${'x'.repeat(40)}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
  });
});

describe('discovery tells the truth about client authentication', () => {
  it('advertises exactly the methods and algorithms that work, and no client_secret_jwt', async () => {
    const metadata = (await (await fetch(`${context.server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    // Introspection and revocation take the same methods; oidc-provider leaves their own members out when they agree.
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(CLIENT_AUTH_METHODS);
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toEqual(CLIENT_ASSERTION_ALGORITHMS);
    for (const endpoint of ['introspection_endpoint', 'revocation_endpoint']) {
      expect(metadata[`${endpoint}_auth_methods_supported`] ?? CLIENT_AUTH_METHODS, endpoint).toEqual(CLIENT_AUTH_METHODS);
      expect(metadata[`${endpoint}_auth_signing_alg_values_supported`] ?? CLIENT_ASSERTION_ALGORITHMS, endpoint).toEqual(CLIENT_ASSERTION_ALGORITHMS);
    }
    expect(JSON.stringify(metadata)).not.toContain('client_secret_jwt');
    expect(JSON.stringify(metadata)).not.toContain('HS256');
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['RS256']);
  });
});
