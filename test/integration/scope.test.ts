// Nothing is silently narrowed (RFC 6749 §3.3, §5.1): a scope the client may not have, or its grant cannot carry, is
// refused with invalid_scope naming it; a token response whose scope differs from the request says what was granted.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { USERINFO_TOKEN_FOR_AN_API } from '../../src/server/errors/descriptions.ts';
import { Browser } from '../support/browser.ts';
import { codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('scope');

const reports = () => relyingParty(context.server.issuer, 'reports.test');
const webapp = () => relyingParty(context.server.issuer, 'webapp.test');

describe('client_credentials (RFC 6749 §3.3, §4.4.2)', () => {
  it.each(['openid', 'openid reports:read', 'reports:read openid'])(
    'RFC 6749 §3.3: scope=%j is refused with invalid_scope naming openid, not granted without it',
    async (scope) => {
      const failure = await oauthFailure(oidc.clientCredentialsGrant(await reports(), { scope }));
      expect(failure).toMatchObject({ status: 400, error: 'invalid_scope' });
      expect(failure.error_description).toMatch(/OpenID Connect scopes: openid \(/);
    },
  );

  it('RFC 6749 §3.3: a scope outside the allow-list is refused with invalid_scope naming it', async () => {
    const failure = await oauthFailure(oidc.clientCredentialsGrant(await reports(), { scope: 'reports:read reports:delete' }));
    expect(failure).toMatchObject({ status: 400, error: 'invalid_scope' });
    expect(failure.error_description).toMatch(/not allowed for this client: reports:delete/);
  });

  it('RFC 6749 §3.3: the allowed scopes it names are those client_credentials can carry, without OpenID Connect scopes', async () => {
    const failure = await oauthFailure(oidc.clientCredentialsGrant(await reports(), { scope: 'reports:delete' }));
    expect(failure.error_description).toBe('requested scope is not allowed for this client: reports:delete (allowed: reports:read reports:write)');
  });

  it('RFC 6749 §5.1: the scope granted is the scope requested, and the response says so', async () => {
    const tokens = await oidc.clientCredentialsGrant(await reports(), { scope: 'reports:read reports:write' });
    expect(tokens.scope).toBe('reports:read reports:write');
  });

  it('RFC 6749 §3.3: without scope, the default (no scope) is granted, and the token carries none', async () => {
    const tokens = await oidc.clientCredentialsGrant(await reports());
    expect(tokens.scope).toBeUndefined();
    expect(JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString())).not.toHaveProperty('scope');
  });
});

describe('authorization_code and refresh_token (RFC 6749 §5.1: scope is REQUIRED when it differs from the request)', () => {
  it('RFC 6749 §5.1: offline_access without prompt=consent is not granted (OIDC Core §11), and the response says what was', async () => {
    const { tokens } = await codeFlow(await webapp(), new Browser(), { scope: 'openid offline_access' });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope).toBe('openid');
  });

  it('RFC 6750 §3.1: the API access token of a sign-in is refused at userinfo with invalid_token saying why', async () => {
    const { tokens } = await codeFlow(await webapp(), new Browser(), { scope: 'openid reports:read' });
    const response = await fetch(`${context.server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: USERINFO_TOKEN_FOR_AN_API });
  });

  it('RFC 6749 §5.1: a sign-in that also asks for an API scope names the scope its access token carries', async () => {
    const { tokens } = await codeFlow(await webapp(), new Browser(), { scope: 'openid reports:read' });
    expect(tokens.scope).toBeDefined();
    expect(tokens.scope!.split(' ')).toContain('reports:read');
  });

  it('RFC 6749 §6, §5.1: a refresh that asks for less gets less, and the response names it', async () => {
    const rp = await webapp();
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access reports:read', prompt: 'consent' });
    const narrowed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!, { scope: 'openid' });
    expect(narrowed.scope).toBe('openid');
    // What it names is what the token carries: it calls userinfo.
    expect(await oidc.fetchUserInfo(rp, narrowed.access_token, tokens.claims()!.sub)).toMatchObject({ sub: tokens.claims()!.sub });
  });

  it.each(['email', 'offline_access', 'profile email'])(
    'RFC 6749 §3.3, §5.1: a refresh asking for %j alone (no openid, no API scope) is refused, not answered with scope ""',
    async (scope) => {
      const rp = await webapp();
      const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid profile email offline_access reports:read', prompt: 'consent' });
      const failure = await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!, { scope }));
      expect(failure).toMatchObject({ status: 400, error: 'invalid_scope' });
      expect(failure.error_description).toContain(`asking only for ${scope}`);
      // Refused before anything was spent: the refresh token still works.
      expect((await oidc.refreshTokenGrant(rp, tokens.refresh_token!)).scope).toBe('reports:read');
    },
  );

  it('RFC 6749 §6: a refresh may not ask for more than the grant: invalid_scope', async () => {
    const rp = await webapp();
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    const failure = await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!, { scope: 'openid offline_access email' }));
    expect(failure).toMatchObject({ status: 400, error: 'invalid_scope' });
  });
});

