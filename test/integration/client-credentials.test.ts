// client_credentials through openid-client: JWT access tokens verified against the JWKS, opaque ones introspected.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { oauthFailure, relyingParty } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('client-credentials');

describe('discovery', () => {
  it('publishes the endpoints and only the code flow', async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test');
    const metadata = rp.serverMetadata();
    expect(metadata.issuer).toBe(context.server.issuer);
    expect(metadata.token_endpoint).toBe(`${context.server.issuer}/token`);
    expect(metadata.introspection_endpoint).toBe(`${context.server.issuer}/token/introspection`);
    expect(metadata.revocation_endpoint).toBe(`${context.server.issuer}/token/revocation`);
    expect(metadata.end_session_endpoint).toBe(`${context.server.issuer}/session/end`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code', 'none']);
    expect(metadata.grant_types_supported).not.toContain('implicit');
  });
});

describe('client_credentials', () => {
  it('issues an RFC 9068 JWT (ES256, at+jwt) for the default audience that verifies against the JWKS', async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test');
    const tokens = await oidc.clientCredentialsGrant(rp, { scope: 'reports:read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(600);
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: context.server.issuer,
      audience: 'https://reports.test',
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ client_id: 'reports.test', sub: 'reports.test', scope: 'reports:read' });
  });

  it('issues for another allowed audience when asked with resource', async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test');
    const tokens = await oidc.clientCredentialsGrant(rp, { resource: 'https://archive.test' });
    const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { audience: 'https://archive.test' });
    expect(payload.aud).toBe('https://archive.test');
  });

  it('issues opaque tokens to a client that asks for them, and introspects them (client_secret_post)', async () => {
    const rp = await relyingParty(context.server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost('ledger-secret-0123456789abcdefghijklmnopq') });
    const tokens = await oidc.clientCredentialsGrant(rp, { scope: 'ledger:read' });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const introspection = await oidc.tokenIntrospection(rp, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: 'ledger.test', scope: 'ledger:read', aud: 'https://ledger.test', token_type: 'Bearer' });

    await oidc.tokenRevocation(rp, tokens.access_token);
    expect((await oidc.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
  });

  it.each([
    ['a scope outside the allow-list', { scope: 'reports:delete' }, 'invalid_scope', /not allowed for this client: reports:delete/],
    ['an audience outside the allow-list', { resource: 'https://evil.test' }, 'invalid_target', /not an audience of this client/],
  ])('refuses %s', async (_label, params, error, description) => {
    const rp = await relyingParty(context.server.issuer, 'reports.test');
    const failure = await oauthFailure(oidc.clientCredentialsGrant(rp, params));
    expect(failure).toMatchObject({ status: 400, error });
    expect(failure.error_description).toMatch(description);
  });

  it('refuses a grant type the client may not use', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    expect(await oauthFailure(oidc.clientCredentialsGrant(rp))).toEqual({
      status: 400,
      error: 'unauthorized_client',
      error_description: "this client may not use grant_type client_credentials; add it to the OAuthClient's grantTypes",
    });
  });

  it('refuses a wrong secret', async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test', { auth: oidc.ClientSecretBasic('reports-secret-0123456789abcdefghijklmnoX') });
    expect(await oauthFailure(oidc.clientCredentialsGrant(rp))).toMatchObject({ status: 401, error: 'invalid_client' });
  });
});
