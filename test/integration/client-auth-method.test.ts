// OpenID Connect Core §9, RFC 7591 §2: a client authenticates with the method it is registered with. oidc-provider
// takes client_secret_basic and client_secret_post as one; Purser refuses the other one, naming the registered
// method, at every endpoint that authenticates clients. openid-client's default (discovery with a secret) is
// client_secret_post, so a relying party that forgets to name the method learns it from the first token request.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { AUTH_METHOD_NOT_REGISTERED, describe as fill } from '../../src/server/errors/descriptions.ts';
import { basic, challenge, FORM, form, send } from '../support/bad-input-http.ts';
import { oauthFailure, relyingParty, SECRETS } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('client-auth-method');

const BASIC_NOT_POST = fill(AUTH_METHOD_NOT_REGISTERED, 'client_secret_basic', 'client_secret_post');
const POST_NOT_BASIC = fill(AUTH_METHOD_NOT_REGISTERED, 'client_secret_post', 'client_secret_basic');

describe('the registered client authentication method (OpenID Connect Core §9, RFC 7591 §2)', () => {
  it("OIDC Core §9: openid-client's default client_secret_post with the right secret is invalid_client for a client registered for client_secret_basic", async () => {
    const rp = await oidc.discovery(new URL(context.server.issuer), 'reports.test', SECRETS['reports.test'], undefined, { execute: [oidc.allowInsecureRequests] });
    expect(await oauthFailure(oidc.clientCredentialsGrant(rp, { scope: 'reports:read' }))).toEqual({ status: 401, error: 'invalid_client', error_description: BASIC_NOT_POST });
  });

  it('OIDC Core §9: Basic with the right secret is invalid_client, with a Basic challenge, for a client registered for client_secret_post', async () => {
    const answer = await send(context.server.issuer, {
      method: 'POST',
      path: '/token',
      body: form({ grant_type: 'client_credentials' }),
      headers: { ...FORM, authorization: basic('ledger.test', SECRETS['ledger.test']!) },
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_client', error_description: POST_NOT_BASIC });
    expect(challenge(answer)).toMatchObject({ scheme: 'Basic', params: { error: 'invalid_client', error_description: POST_NOT_BASIC } });
  });

  it('OIDC Core §9: a wrong secret by the other method says only that authentication failed, not which method is registered', async () => {
    const answer = await send(context.server.issuer, {
      method: 'POST',
      path: '/token',
      body: form({ grant_type: 'client_credentials', client_id: 'reports.test', client_secret: 'not-the-secret-0123456789abcdefghijklmnop' }),
      headers: FORM,
    });
    expect(answer.status).toBe(401);
    expect(answer.error).toBe('invalid_client');
    expect(answer.text).not.toContain('client_secret_basic');
  });

  it('OIDC Core §9: introspection and revocation authenticate the client the same way (RFC 7662 §2.1, RFC 7009 §2.1)', async () => {
    for (const path of ['/token/introspection', '/token/revocation']) {
      const answer = await send(context.server.issuer, { method: 'POST', path, body: form({ token: 'x', client_id: 'reports.test', client_secret: SECRETS['reports.test']! }), headers: FORM });
      expect(answer.status, path).toBe(401);
      expect(answer.error_description, path).toBe(BASIC_NOT_POST);
    }
  });

  it.each([
    ['a public client sending a secret', { client_id: 'cli.test', client_secret: 'anything-at-all' }, 'none', 'client_secret_post'],
    ['a confidential client sending no secret', { client_id: 'webapp.test' }, 'client_secret_basic', 'none'],
  ])('OIDC Core §9: %s is invalid_client naming the registered method', async (_label, credentials, registered, used) => {
    const answer = await send(context.server.issuer, { method: 'POST', path: '/token', body: form({ grant_type: 'refresh_token', refresh_token: 'x', ...credentials }), headers: FORM });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_client', error_description: fill(AUTH_METHOD_NOT_REGISTERED, registered, used) });
  });

  it('OIDC Core §9: each client gets tokens by its registered method', async () => {
    const reports = await relyingParty(context.server.issuer, 'reports.test', { auth: oidc.ClientSecretBasic(SECRETS['reports.test']!) });
    const ledger = await relyingParty(context.server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost(SECRETS['ledger.test']!) });
    expect((await oidc.clientCredentialsGrant(reports, { scope: 'reports:read' })).scope).toBe('reports:read');
    expect((await oidc.clientCredentialsGrant(ledger, { scope: 'ledger:read' })).scope).toBe('ledger:read');
  });
});
