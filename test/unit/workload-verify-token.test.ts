// Offline verification of a ServiceAccount token presented as a client assertion (RFC 7523 §3): a table of tokens ×
// published keys × client → the identity, or the one refusal that says what to fix. The clock is injected.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  describe as describeError,
  SA_BAD_SIGNATURE,
  SA_CLIENT_LISTS_NONE,
  SA_ISSUER_NOT_TRUSTED,
  SA_KEYS_NOT_PUBLISHED,
  SA_NOT_LISTED,
  SA_OTHER_NAMESPACE,
  SA_TOKEN_EXPIRED,
  SA_TOKEN_MALFORMED,
  SA_TOKEN_NOT_YET_VALID,
  SA_WRONG_AUDIENCE,
} from '../../src/server/errors/descriptions.ts';
import { importIssuers } from '../../src/server/workload/issuer-keys.ts';
import { isServiceAccountToken, LEEWAY_SECONDS, parseToken, SignatureCache, verifyIssuedToken, verifyServiceAccountToken, type Verification } from '../../src/server/workload/verify-token.ts';

const NOW = 1_800_000_000;
const ISSUER = 'https://kubernetes.default.svc';
const AUDIENCE = 'https://purser.example';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const keys = importIssuers({
  readAt: NOW,
  issuers: [
    { issuer: ISSUER, keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', kty: 'RSA' }, { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', kty: 'EC' }] },
    { issuer: 'https://other-cluster.example', keys: [{ ...stranger.publicKey.export({ format: 'jwk' }), kid: 'other', kty: 'RSA' }] },
  ],
});

const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'system:serviceaccount:shop:orders-worker', aud: [AUDIENCE], iat: NOW - 60, nbf: NOW - 60, exp: NOW + 540, ...extra });

function token(payload: object, { key = rsa.privateKey, alg = 'RS256', kid = 'rsa-1' }: { key?: KeyObject; alg?: string; kid?: string } = {}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode({ alg, kid })}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(signed), alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${signed}.${signature.toString('base64url')}`;
}

const client = { namespace: 'shop', serviceAccounts: ['orders-worker'] };
const verify = (jwt: string, over: { keys?: typeof keys | undefined; client?: typeof client; now?: number } = {}): Verification =>
  verifyServiceAccountToken(jwt, 'keys' in over ? over.keys : keys, over.client ?? client, { audience: AUDIENCE, now: over.now ?? NOW });
const refused = (description: string) => ({ refused: description });
const identity = { identity: { namespace: 'shop', name: 'orders-worker', subject: 'system:serviceaccount:shop:orders-worker', issuer: ISSUER } };

describe('verifyServiceAccountToken', () => {
  it.each<[string, () => Verification, Verification]>([
    ['RS256, the kid of a published key: the ServiceAccount', () => verify(token(claims())), identity],
    ['ES256 (a cluster with an EC signing key)', () => verify(token(claims(), { key: ec.privateKey, alg: 'ES256', kid: 'ec-1' })), identity],
    ['aud as a single string', () => verify(token(claims({ aud: AUDIENCE }))), identity],
    [`expired less than the leeway (${LEEWAY_SECONDS} s) ago`, () => verify(token(claims({ exp: NOW - LEEWAY_SECONDS + 1 }))), identity],
    ['the same token again: no jti is demanded (a projected token is presented for its whole life)', () => (verify(token(claims())), verify(token(claims()))), identity],
    ['not a JWT', () => verify('not.a-jwt'), refused(SA_TOKEN_MALFORMED)],
    ['an unsigned token (alg none)', () => verify(`${token(claims()).split('.').slice(0, 2).join('.').replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url'))}.x`), refused(SA_TOKEN_MALFORMED)],
    ['no exp', () => verify(token(claims({ exp: undefined }))), refused(SA_TOKEN_MALFORMED)],
    ['a client that lists no ServiceAccounts', () => verify(token(claims()), { client: { namespace: 'shop', serviceAccounts: [] } }), refused(SA_CLIENT_LISTS_NONE)],
    ['no keys published yet', () => verify(token(claims()), { keys: undefined }), refused(SA_KEYS_NOT_PUBLISHED)],
    ['an issuer not trusted', () => verify(token(claims({ iss: 'https://elsewhere.example' }))), refused(describeError(SA_ISSUER_NOT_TRUSTED, 'https://elsewhere.example'))],
    ['signed by another key under a published kid', () => verify(token(claims(), { key: stranger.privateKey })), refused(describeError(SA_BAD_SIGNATURE, ISSUER))],
    ['a kid the issuer does not publish', () => verify(token(claims(), { kid: 'rotated-in' })), refused(describeError(SA_BAD_SIGNATURE, ISSUER))],
    ["another trusted issuer's key for this issuer's token", () => verify(token(claims(), { key: stranger.privateKey, kid: 'other' })), refused(describeError(SA_BAD_SIGNATURE, ISSUER))],
    ['a changed claim after signing', () => verify(token(claims()).replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify(claims({ sub: 'system:serviceaccount:shop:admin' }))).toString('base64url')}.`)), refused(describeError(SA_BAD_SIGNATURE, ISSUER))],
    ['expired beyond the leeway', () => verify(token(claims({ exp: NOW - LEEWAY_SECONDS - 1 }))), refused(describeError(SA_TOKEN_EXPIRED, new Date((NOW - LEEWAY_SECONDS - 1) * 1000).toISOString()))],
    ['not yet valid', () => verify(token(claims({ nbf: NOW + 120 }))), refused(describeError(SA_TOKEN_NOT_YET_VALID, new Date((NOW + 120) * 1000).toISOString()))],
    ["the API server's own audience", () => verify(token(claims({ aud: [ISSUER] }))), refused(describeError(SA_WRONG_AUDIENCE, ISSUER, AUDIENCE))],
    ['two other audiences, listed plainly', () => verify(token(claims({ aud: [ISSUER, 'https://b.example'] }))), refused(`the ServiceAccount token's audiences (${ISSUER}, https://b.example) do not include '${AUDIENCE}': project the token with that audience (serviceAccountToken.audience)`)],
    ['no audience at all', () => verify(token(claims({ aud: [] }))), refused(describeError(SA_WRONG_AUDIENCE, 'none', AUDIENCE))],
    ['another namespace', () => verify(token(claims({ sub: 'system:serviceaccount:other:orders-worker' }))), refused(describeError(SA_OTHER_NAMESPACE, 'other', 'shop'))],
    ['a ServiceAccount the client does not list', () => verify(token(claims({ sub: 'system:serviceaccount:shop:default' }))), refused(describeError(SA_NOT_LISTED, 'default', 'orders-worker'))],
  ])('%s', (_label, run, expected) => {
    expect(run()).toEqual(expected);
  });
});

describe('verifyIssuedToken (a subject_token, RFC 8693 §2.1: the token checks without a client)', () => {
  const verifyAlone = (jwt: string) => verifyIssuedToken(jwt, keys, { audience: AUDIENCE, now: NOW });

  it.each<[string, string, Verification]>([
    ['a ServiceAccount of any namespace: no client to match', token(claims({ sub: 'system:serviceaccount:other:batch' })), { identity: { namespace: 'other', name: 'batch', subject: 'system:serviceaccount:other:batch', issuer: ISSUER } }],
    ['the same checks as an assertion: the audience', token(claims({ aud: [ISSUER] })), refused(describeError(SA_WRONG_AUDIENCE, ISSUER, AUDIENCE))],
    ['the same checks as an assertion: expiry', token(claims({ exp: NOW - LEEWAY_SECONDS - 1 })), refused(describeError(SA_TOKEN_EXPIRED, new Date((NOW - LEEWAY_SECONDS - 1) * 1000).toISOString()))],
    ['the same checks as an assertion: the issuer', token(claims({ iss: 'https://elsewhere.example' })), refused(describeError(SA_ISSUER_NOT_TRUSTED, 'https://elsewhere.example'))],
    ['a sub that is not a ServiceAccount', token(claims({ sub: 'alice' })), refused(SA_TOKEN_MALFORMED)],
  ])('%s', (_label, jwt, expected) => {
    expect(verifyAlone(jwt)).toEqual(expected);
  });
});

describe('isServiceAccountToken', () => {
  it.each<[string, unknown, boolean]>([
    ['a ServiceAccount token', token(claims()), true],
    ['a private_key_jwt assertion (sub = client_id)', token(claims({ sub: 'orders.shop', iss: 'orders.shop' })), false],
    ['not a JWT', 'abc', false],
    ['repeated parameter (an array)', [token(claims())], false],
  ])('%s', (_label, value, expected) => {
    expect(isServiceAccountToken(value)).toBe(expected);
  });
});

describe('SignatureCache (a projected token is presented many times: its signature is checked once per key set)', () => {
  it('skips the signature of a token that verified, but checks its claims every time', () => {
    const signatures = new SignatureCache();
    const jwt = token(claims());
    expect(verifyServiceAccountToken(jwt, keys, client, { audience: AUDIENCE, now: NOW, signatures })).toEqual(identity);
    expect(verifyServiceAccountToken(jwt, keys, client, { audience: AUDIENCE, now: NOW + 600, signatures })).toEqual(refused(describeError(SA_TOKEN_EXPIRED, new Date((NOW + 540) * 1000).toISOString())));
    expect(verifyServiceAccountToken(jwt, keys, { namespace: 'shop', serviceAccounts: ['other'] }, { audience: AUDIENCE, now: NOW, signatures })).toEqual(refused(describeError(SA_NOT_LISTED, 'orders-worker', 'other')));
  });

  it('forgets every token when the keys change: a withdrawn key stops its tokens at once', () => {
    const signatures = new SignatureCache();
    const jwt = token(claims());
    expect(verifyServiceAccountToken(jwt, keys, client, { audience: AUDIENCE, now: NOW, signatures })).toEqual(identity);
    const withdrawn = importIssuers({ readAt: NOW, issuers: [{ issuer: ISSUER, keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', kty: 'EC' }] }] });
    expect(verifyServiceAccountToken(jwt, withdrawn, client, { audience: AUDIENCE, now: NOW, signatures })).toEqual(refused(describeError(SA_BAD_SIGNATURE, ISSUER)));
  });

  it('never holds a token that failed, nor more than its limit', () => {
    const signatures = new SignatureCache(2);
    const forged = token(claims(), { key: stranger.privateKey });
    verifyServiceAccountToken(forged, keys, client, { audience: AUDIENCE, now: NOW, signatures });
    expect(signatures.has(keys, forged)).toBe(false);
    const tokens = [1, 2, 3].map((n) => token(claims({ iat: NOW - n })));
    for (const jwt of tokens) verifyServiceAccountToken(jwt, keys, client, { audience: AUDIENCE, now: NOW, signatures });
    expect(tokens.map((jwt) => signatures.has(keys, jwt))).toEqual([false, true, true]);
  });

  it('keeps the parse of a token that verified, so a presentation again is not decoded again', () => {
    const signatures = new SignatureCache();
    const jwt = token(claims());
    const forged = token(claims(), { key: stranger.privateKey });
    for (const presented of [jwt, forged]) verifyServiceAccountToken(presented, keys, client, { audience: AUDIENCE, now: NOW, signatures });
    expect(signatures.parsed(jwt)).toEqual(parseToken(jwt));
    expect(signatures.parsed(forged)).toBeUndefined();
  });
});
