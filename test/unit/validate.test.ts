// OAuthClient validation: each rule, with the message a user sees.
import { describe, expect, it } from 'vitest';

import { hasSecret, type OAuthClient, type OAuthClientSpec } from '../../src/api/types.ts';
import { generateClientSecret, SECRET_CHARACTERS, secretProblem } from '../../src/api/client-secret.ts';
import { redirectUriProblem, validateOAuthClient } from '../../src/api/validate.ts';

const client = (spec: OAuthClientSpec, name = 'app'): OAuthClient => ({ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { name, namespace: 'team' }, spec });

describe('validateOAuthClient', () => {
  it('accepts the minimal service client', () => {
    expect(validateOAuthClient(client({}))).toBeUndefined();
  });

  it('accepts a backchannelLogoutUri over https, or http on a loopback host (Back-Channel Logout 1.0 §2.2)', () => {
    expect(validateOAuthClient(client({ backchannelLogoutUri: 'https://app.example.com/bc', logout: { revokeOfflineAccess: true } }))).toBeUndefined();
    expect(validateOAuthClient(client({ backchannelLogoutUri: 'http://127.0.0.1:8080/bc' }))).toBeUndefined();
  });

  it('accepts a public device client with refresh tokens (RFC 8628 §3.4), which needs no redirect URIs', () => {
    expect(validateOAuthClient(client({ public: true, grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'], scopes: ['openid', 'offline_access'] }))).toBeUndefined();
  });

  it('accepts a 0s secret rotation overlap and deletionPolicy Orphan', () => {
    expect(validateOAuthClient(client({ secretRotation: { overlap: '0s' }, deletionPolicy: 'Orphan' }))).toBeUndefined();
  });

  it('says what to do about a default client_id longer than 200 characters', () => {
    expect(validateOAuthClient(client({}, 'n'.repeat(200)))?.message).toBe('the default client_id <name>.<namespace> is 205 characters, more than 200: set spec.clientId');
    expect(validateOAuthClient({ ...client({ clientId: 'short' }, 'n'.repeat(200)) })).toBeUndefined();
  });

  it.each<[string, OAuthClientSpec, RegExp]>([
    ['a colon in clientId', { clientId: 'a:b' }, /must not contain ":"/],
    ['private_key_jwt without keys (RFC 7523)', { tokenEndpointAuthMethod: 'private_key_jwt' }, /set exactly one of jwks and jwksUri/],
    ['a private JWK in jwks', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] } }, /only public keys/],
    ['a symmetric JWK in jwks', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'k' }] } }, /kty must be RSA, EC or OKP/],
    ['client_secret_jwt (needs the plain secret, which Purser does not keep)', { tokenEndpointAuthMethod: 'client_secret_jwt' as never }, /tokenEndpointAuthMethod must be one of/],
    ['authorization_code without redirect URIs', { grantTypes: ['authorization_code'] }, /redirectUris: at least one is required/],
    ['refresh_token without authorization_code', { grantTypes: ['client_credentials', 'refresh_token'] }, /refresh_token needs authorization_code or urn:ietf:params:oauth:grant-type:device_code/],
    ['redirect URIs without the code grant', { grantTypes: ['client_credentials'], redirectUris: ['https://a.test/cb'] }, /only used with the authorization_code grant/],
    ['http on a public host', { redirectUris: ['http://app.example.com/cb'] }, /must use https/],
    ['a fragment', { redirectUris: ['https://app.example.com/cb#x'] }, /must not contain a fragment/],
    ['a public client with client_credentials', { public: true }, /cannot use client_credentials/],
    ['a public client with token exchange', { public: true, redirectUris: ['https://a.test/cb'], grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'] }, /cannot use urn:ietf:params:oauth:grant-type:token-exchange/],
    ['a public client with a secret name', { public: true, redirectUris: ['https://a.test/cb'], secretName: 's' }, /has no secret/],
    ['auth method none on a confidential client', { tokenEndpointAuthMethod: 'none' }, /set public: true/],
    ['a public client without PKCE', { public: true, redirectUris: ['https://a.test/cb'], requirePkce: false }, /must use PKCE/],
    ['offline_access without refresh_token', { redirectUris: ['https://a.test/cb'], scopes: ['openid', 'offline_access'] }, /offline_access needs the refresh_token grant/],
    ['a scope with a space', { scopes: ['a b'] }, /not a valid scope token/],
    ['a ServiceAccount of another namespace (namespace/name)', { serviceAccounts: ['other/worker'] }, /serviceAccounts: "other\/worker" is not a ServiceAccount name/],
    ['a ServiceAccount listed twice', { serviceAccounts: ['worker', 'worker'] }, /each ServiceAccount once/],
    ['a public client with serviceAccounts', { public: true, redirectUris: ['https://a.test/cb'], serviceAccounts: ['worker'] }, /a public client has no credential/],
    ['a relative audience', { audiences: ['/api'] }, /not an absolute URI/],
    ['JWT tokens without an audience', { accessToken: { format: 'jwt' } }, /needs at least one audience/],
    ['a malformed duration', { accessToken: { ttl: '10 minutes' } }, /accessToken.ttl: "10 minutes" is not a duration/],
    ['a CORS origin with a path', { corsOrigins: ['https://a.test/app'] }, /not an origin/],
    ['a native app claiming https on localhost', { public: true, redirectUris: ['com.example.app:/cb', 'https://localhost/cb'] }, /must use http, not https, on a loopback host/],
    ['an unknown grant type', { grantTypes: ['password' as never] }, /"password" is not one of/],
    ['a secret rotation overlap that is no duration', { secretRotation: { overlap: 'an hour' } }, /secretRotation.overlap: "an hour" is not a duration such as 0s, 10m or 1h/],
    ['an unknown deletion policy', { deletionPolicy: 'Keep' as never }, /deletionPolicy must be Delete or Orphan/],
    ['Back-Channel Logout 1.0 §2.2: a backchannelLogoutUri over http on a public host', { backchannelLogoutUri: 'http://app.example.com/bc' }, /backchannelLogoutUri: "http:\/\/app.example.com\/bc" must use https/],
    ['a backchannelLogoutUri with a fragment', { backchannelLogoutUri: 'https://app.example.com/bc#x' }, /backchannelLogoutUri: .* must not contain a fragment/],
    ['a backchannelLogoutUri that is not an http(s) URL', { backchannelLogoutUri: 'com.example.app:/bc' }, /backchannelLogoutUri: .* is not an absolute https URL/],
  ])('refuses %s', (_label, spec, message) => {
    expect(validateOAuthClient(client(spec))).toEqual({ reason: 'InvalidSpec', message: expect.stringMatching(message) });
  });
});

describe('serviceAccounts (README "Workload identity")', () => {
  it('accepts ServiceAccount names, alone or with a secret', () => {
    expect(validateOAuthClient(client({ serviceAccounts: ['orders-worker', 'batch.v2'] }))).toBeUndefined();
    expect(validateOAuthClient(client({ serviceAccounts: ['orders-worker'], generateSecret: true }))).toBeUndefined();
  });

  it.each<[string, OAuthClientSpec, boolean]>([
    ['ServiceAccounts alone: no Secret', { serviceAccounts: ['worker'] }, false],
    ['ServiceAccounts and generateSecret: true', { serviceAccounts: ['worker'], generateSecret: true }, true],
    ['ServiceAccounts and a secretName', { serviceAccounts: ['worker'], secretName: 'worker-credentials' }, true],
    ['ServiceAccounts and a secret method', { serviceAccounts: ['worker'], tokenEndpointAuthMethod: 'client_secret_post' }, true],
    ['ServiceAccounts and generateSecret: false (still none asked for)', { serviceAccounts: ['worker'], generateSecret: false }, false],
    ['no ServiceAccounts: the usual Secret', {}, true],
  ])('hasSecret: %s', (_label, spec, expected) => {
    expect(hasSecret(spec)).toBe(expected);
  });
});

describe('redirectUriProblem', () => {
  it.each(['https://app.test/cb', 'http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb', 'com.example.app:/cb'])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
  });
  it.each(['not a uri', 'http://10.0.0.1/cb', 'myapp:/cb', 'javascript:alert(1)'])('refuses %s', (uri) => {
    expect(redirectUriProblem(uri)).toEqual(expect.any(String));
  });
});

describe('secretProblem (RFC 6749 §2.3.1: the secret must read the same whether or not a client form-encodes it)', () => {
  const pad = 'x'.repeat(32);
  it('wants 32 characters and no surrounding whitespace', () => {
    expect(secretProblem(pad)).toBeUndefined();
    expect(secretProblem('x'.repeat(31))).toMatch(/at least 32/);
    expect(secretProblem(`${pad}\n`)).toMatch(/whitespace/);
  });
  it.each([':', ' ', '!', '*', "'", '(', ')', '~', '&', '=', '/', '?', '#', '"', '\\'])('accepts %j inside a secret', (character) => {
    expect(secretProblem(`${pad}${character}${pad}`)).toBeUndefined();
  });
  it.each(['+', '%', 'é', '\t', '\u0000'])('refuses %j, naming the rule', (character) => {
    expect(secretProblem(`${pad}${character}${pad}`)).toBe(SECRET_CHARACTERS);
  });
  it('generates secrets whose form-encoding is the secret itself', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new URLSearchParams({ s: secret }).toString()).toBe(`s=${secret}`);
    expect(encodeURIComponent(secret)).toBe(secret);
    expect(secretProblem(secret)).toBeUndefined();
  });
});
