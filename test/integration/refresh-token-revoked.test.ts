// A refresh token revoked at the revocation endpoint is refused saying what may have happened to it
// (REFRESH_TOKEN_NOT_RECOGNISED covers every cause: logout, revocation, reuse, long expiry). Revoked by logout:
// backchannel-logout.test.ts; by device code reuse: device-flow.test.ts; by refresh token reuse: refresh-tokens.test.ts.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { REFRESH_TOKEN_NOT_RECOGNISED } from '../../src/server/errors/descriptions.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('refresh-revoked'), fixtures: await writeFixtures() });
});
afterAll(async () => server?.close());

describe('a revoked refresh token', () => {
  it('RFC 7009 §2.1, RFC 6749 §5.2: once revoked at the revocation endpoint it is invalid_grant, and the description names revocation', async () => {
    const rp = await relyingParty(server.issuer, 'webapp.test');
    const { tokens } = await codeFlow(rp, undefined, { scope: 'openid offline_access', prompt: 'consent' });
    await oidc.tokenRevocation(rp, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    const failure = await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!));
    expect(failure).toEqual({ status: 400, error: 'invalid_grant', error_description: REFRESH_TOKEN_NOT_RECOGNISED });
    expect(failure.error_description).toContain('at the revocation endpoint');
  });
});
