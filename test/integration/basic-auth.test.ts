// RFC 6749 §2.3.1: client_secret_basic works for every secret Purser accepts, whether or not the client
// form-encodes the id and secret before joining them into HTTP Basic (curl -u, Go's SetBasicAuth and Authlib do not).
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { AUTH_METHOD_NOT_REGISTERED, describe as fill } from '../../src/server/errors/descriptions.ts';
import { oauthFailure } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('basic-auth');
const CLIENT_ID = 'symbols.test';
const SECRET = 'a:b c!*\'()~&=/?#;@$,[]{}|^"\\<>`-0123456789abcdefghij';

/** RFC 6749 Appendix B: application/x-www-form-urlencoded, as URLSearchParams writes it. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function tokenWith(authorization: string) {
  const response = await fetch(`${context.server.url}/token`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=reports%3Aread',
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('client_secret_basic for every secret Purser accepts (RFC 6749 §2.3.1)', () => {
  it('accepts the credentials form-encoded, as RFC 6749 §2.3.1 says', async () => {
    expect(formEncode(SECRET)).not.toBe(SECRET);
    const answer = await tokenWith(basic(formEncode(CLIENT_ID), formEncode(SECRET)));
    expect(answer).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'reports:read' } });
  });

  it('accepts the credentials as they are, as curl -u and Go SetBasicAuth send them', async () => {
    const answer = await tokenWith(basic(CLIENT_ID, SECRET));
    expect(answer).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
  });

  it('works with openid-client (ClientSecretBasic form-encodes), and reads the secret from a form body too', async () => {
    const discover = (auth: oidc.ClientAuth) => oidc.discovery(new URL(context.server.issuer), CLIENT_ID, undefined, auth, { execute: [oidc.allowInsecureRequests] });
    expect((await oidc.clientCredentialsGrant(await discover(oidc.ClientSecretBasic(SECRET)), { scope: 'reports:read' })).token_type).toBe('bearer');
    // The client is registered for client_secret_basic (OpenID Connect Core §9), so client_secret_post is refused; but
    // only once the secret matched, so this description proves the form-encoded secret was read intact.
    const post = await oauthFailure(oidc.clientCredentialsGrant(await discover(oidc.ClientSecretPost(SECRET)), { scope: 'reports:read' }));
    expect(post).toEqual({ status: 401, error: 'invalid_client', error_description: fill(AUTH_METHOD_NOT_REGISTERED, 'client_secret_basic', 'client_secret_post') });
  });

  it('still refuses a wrong secret', async () => {
    const answer = await tokenWith(basic(CLIENT_ID, `${SECRET}x`));
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});
