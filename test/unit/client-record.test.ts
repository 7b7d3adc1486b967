// OAuthClient → client record: the oidc-provider metadata and Purser policy each spec field becomes.
import { describe, expect, it } from 'vitest';

import { toClientRecord } from '../../src/api/client-record.ts';
import type { OAuthClient, OAuthClientSpec } from '../../src/api/types.ts';
import { hashSecret } from '../../src/store/secret-hash.ts';

const resource = (spec: OAuthClientSpec): OAuthClient => ({ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { name: 'shop', namespace: 'retail' }, spec });
const secret = hashSecret('s'.repeat(40));

describe('toClientRecord', () => {
  it('defaults a service client: client_credentials, basic auth, opaque tokens without an audience', () => {
    expect(toClientRecord(resource({}), [secret])).toEqual({
      clientId: 'shop.retail',
      owner: 'retail/shop',
      metadata: { client_id: 'shop.retail', application_type: 'web', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], post_logout_redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' },
      secrets: [secret],
      policy: { scopes: [], audiences: [], accessTokenFormat: 'opaque', accessTokenTtl: undefined, refreshTokenTtl: undefined, refreshTokenAbsoluteLifetime: undefined, refreshTokenReuseGracePeriod: 0, requirePkce: true, skipConsent: false, corsOrigins: [] },
    });
  });

  it.each<[string, OAuthClientSpec, (r: ReturnType<typeof toClientRecord>) => unknown, unknown]>([
    ['clientId overrides the default', { clientId: 'custom' }, (r) => r.metadata.client_id, 'custom'],
    ['redirect URIs imply the code flow', { redirectUris: ['https://a.test/cb'] }, (r) => [r.metadata.grant_types, r.metadata.response_types], [['authorization_code'], ['code']]],
    ['the device grant (RFC 8628 §3.4) passes through, with no response types', { public: true, grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'] }, (r) => [r.metadata.grant_types, r.metadata.response_types, r.metadata.token_endpoint_auth_method], [['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'], [], 'none']],
    ['audiences make JWT the default format', { audiences: ['https://api.test'] }, (r) => r.policy.accessTokenFormat, 'jwt'],
    ['only OIDC scopes reach oidc-provider', { scopes: ['openid', 'orders:read', 'email'] }, (r) => [r.metadata.scope, r.policy.scopes], ['openid email', ['openid', 'orders:read', 'email']]],
    ['durations become seconds', { refreshToken: { ttl: '1h', absoluteLifetime: '30d', reuseGracePeriod: '10s' } }, (r) => [r.policy.refreshTokenTtl, r.policy.refreshTokenAbsoluteLifetime, r.policy.refreshTokenReuseGracePeriod], [3600, 2592000, 10]],
    ['public clients authenticate with none, keep no secret and need PKCE', { public: true, requirePkce: false }, (r) => [r.metadata.token_endpoint_auth_method, r.secrets, r.policy.requirePkce], ['none', [], true]],
    ['a private-use scheme makes a native app', { public: true, redirectUris: ['com.example.shop:/cb', 'http://127.0.0.1/cb'] }, (r) => r.metadata.application_type, 'native'],
    ['displayName becomes client_name', { displayName: 'Shop' }, (r) => r.metadata.client_name, 'Shop'],
    ['private_key_jwt (RFC 7523) carries the public keys and keeps no secret', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] } }, (r) => [r.metadata.token_endpoint_auth_method, r.metadata.jwks, r.secrets], ['private_key_jwt', { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }, []]],
    ['private_key_jwt with a jwksUri', { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://a.test/jwks' }, (r) => [r.metadata.jwks_uri, r.metadata.jwks], ['https://a.test/jwks', undefined]],
    ['Back-Channel Logout 1.0 §2.2: backchannelLogoutUri becomes backchannel_logout_uri, session_required defaults to false', { backchannelLogoutUri: 'https://a.test/bc' }, (r) => [r.metadata.backchannel_logout_uri, r.metadata.backchannel_logout_session_required], ['https://a.test/bc', false]],
    ['backchannelLogoutSessionRequired is published', { backchannelLogoutUri: 'https://a.test/bc', backchannelLogoutSessionRequired: true }, (r) => r.metadata.backchannel_logout_session_required, true],
    ['no backchannelLogoutUri, no back-channel metadata', {}, (r) => ['backchannel_logout_uri' in r.metadata, 'backchannel_logout_session_required' in r.metadata], [false, false]],
    ['logout.revokeOfflineAccess reaches the policy', { logout: { revokeOfflineAccess: true } }, (r) => r.policy.revokeOfflineAccessOnLogout, true],
    ['logout.revokeOfflineAccess false leaves offline grants to survive', { logout: { revokeOfflineAccess: false } }, (r) => r.policy.revokeOfflineAccessOnLogout, undefined],
  ])('%s', (_label, spec, pick, expected) => {
    expect(pick(toClientRecord(resource(spec), [secret]))).toEqual(expected);
  });
});
