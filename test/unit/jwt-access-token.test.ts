// The one check of a JWT access token that introspection, revocation and token exchange share
// (src/server/provider/jwt-access-token.ts), and the grant reference it carries (grant-reference.ts, store/keys.ts).
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';

import { GRANT_REFERENCE_CLAIM } from '../../src/server/provider/grant-reference.ts';
import { accessTokenVerifier } from '../../src/server/provider/jwt-access-token.ts';
import type { Jwk } from '../../src/server/provider/keys.ts';
import { grantReference, parseGrantReference } from '../../src/store/keys.ts';

const ISSUER = 'https://purser.test';

async function signer() {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' } as Jwk;
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ client_id: 'app', sub: 'alice', aud: 'https://api.test', ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }).setIssuer(ISSUER).setExpirationTime('5m').sign(privateKey);
  return { jwks: { keys: [jwk] }, sign };
}

describe('grantReference', () => {
  it('names a grant by its tag and key digest: stable, shaped for parsing, never holding the grant id', () => {
    const reference = grantReference('grant-id-123');
    expect(reference).toBe(grantReference('grant-id-123'));
    expect(reference).not.toBe(grantReference('grant-id-124'));
    expect(reference).not.toContain('grant-id-123');
    expect(parseGrantReference(reference)).toEqual({ tag: reference.slice(0, 8), digest: reference.slice(8) });
    for (const malformed of [undefined, 42, '', 'grant-id-123', `${reference}A`, `${reference.slice(1)}.`]) expect(parseGrantReference(malformed)).toBeUndefined();
  });
});

describe('accessTokenVerifier: a JWT that names a grant holds only while that grant is stored (RFC 7662 §2.2)', () => {
  it('asks the store about the named grant, once, and refuses the token once the grant is gone', async () => {
    const { jwks, sign } = await signer();
    const stored = new Set([grantReference('kept')]);
    const asked: string[] = [];
    const verify = accessTokenVerifier(jwks, async (reference) => (asked.push(reference), stored.has(reference)));
    expect(await verify(ISSUER, await sign({ [GRANT_REFERENCE_CLAIM]: grantReference('kept') }))).toMatchObject({ sub: 'alice' });
    expect(await verify(ISSUER, await sign({ [GRANT_REFERENCE_CLAIM]: grantReference('gone') }))).toBeUndefined();
    expect(asked).toEqual([grantReference('kept'), grantReference('gone')]);
  });

  it('accepts a token that names no grant (client_credentials) without asking, and refuses a grant_ref that is not a string', async () => {
    const { jwks, sign } = await signer();
    const asked: string[] = [];
    const verify = accessTokenVerifier(jwks, async (reference) => (asked.push(reference), true));
    expect(await verify(ISSUER, await sign({ sub: 'app' }))).toMatchObject({ client_id: 'app' });
    expect(await verify(ISSUER, await sign({ [GRANT_REFERENCE_CLAIM]: 7 }))).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('never asks the store about a token whose signature fails', async () => {
    const { jwks } = await signer();
    const other = await signer();
    const asked: string[] = [];
    const verify = accessTokenVerifier(jwks, async (reference) => (asked.push(reference), true));
    expect(await verify(ISSUER, await other.sign({ [GRANT_REFERENCE_CLAIM]: grantReference('kept') }))).toBeUndefined();
    expect(asked).toEqual([]);
  });
});
