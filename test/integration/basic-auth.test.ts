// RFC 6749 §2.3.1: client_secret_basic works for every secret Purser accepts, whether or not the client
// form-encodes the id and secret before joining them into HTTP Basic (curl -u, Go's SetBasicAuth and Authlib do not).
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

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

  it('works with openid-client (ClientSecretBasic form-encodes) and with client_secret_post', async () => {
    for (const auth of [oidc.ClientSecretBasic(SECRET), oidc.ClientSecretPost(SECRET)]) {
      const rp = await oidc.discovery(new URL(context.server.issuer), CLIENT_ID, undefined, auth, { execute: [oidc.allowInsecureRequests] });
      expect((await oidc.clientCredentialsGrant(rp, { scope: 'reports:read' })).token_type).toBe('bearer');
    }
  });

  it('still refuses a wrong secret', async () => {
    const answer = await tokenWith(basic(CLIENT_ID, `${SECRET}x`));
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});
