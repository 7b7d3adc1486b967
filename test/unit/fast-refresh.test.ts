// The refresh_token fast path's decisions that need no server (src/server/fast-token/refresh.ts): which clients and
// which refresh token states it answers; everything else is handed to oidc-provider.
import { describe, expect, it } from 'vitest';

import { plainState, refreshesPlainly, REFRESH_FORM } from '../../src/server/fast-token/refresh.ts';
import { parseForm } from '../../src/server/fast-token/form.ts';
import type { Client } from '../../src/server/fast-token/authenticate.ts';
import { AdapterRequest } from '../../src/store/adapter-request.ts';
import { MemoryArtifactStore } from '../../src/store/memory/artifacts.ts';

const client = (overrides: Record<string, unknown> = {}) =>
  ({ grantTypeAllowed: (grant: string) => grant === 'refresh_token', dpopBoundAccessTokens: false, tlsClientCertificateBoundAccessTokens: false, ...overrides }) as unknown as Client;

/** An AdapterRequest that read a refresh token of grant `g` (stored or not) with the in-memory store. */
async function requestWithGrant(stored: boolean): Promise<AdapterRequest> {
  const store = new MemoryArtifactStore();
  if (stored) await store.upsert('Grant', 'g', { accountId: 'alice', clientId: 'app' }, 60);
  await store.upsert('RefreshToken', 'rt', { grantId: 'g', clientId: 'app' }, 60);
  const request = new AdapterRequest();
  await request.findRefreshToken(store, 'rt');
  store.close();
  return request;
}

const NOW = 1_800_000_000;
const token = (overrides: Record<string, unknown> = {}) => ({ clientId: 'app', grantId: 'g', exp: NOW + 60, ...overrides });

describe('the refresh_token fast path', () => {
  it('reads only a form of grant_type, refresh_token and client credentials, each once (RFC 6749 §6)', () => {
    expect(parseForm('grant_type=refresh_token&refresh_token=abc&client_id=app', REFRESH_FORM)).toEqual({ grant_type: 'refresh_token', refresh_token: 'abc', client_id: 'app' });
    expect(parseForm('grant_type=refresh_token&refresh_token=abc&scope=openid', REFRESH_FORM)).toBeUndefined();
    expect(parseForm('grant_type=refresh_token&refresh_token=abc&resource=https%3A%2F%2Fa.test', REFRESH_FORM)).toBeUndefined();
    expect(parseForm('grant_type=refresh_token&refresh_token=a&refresh_token=b', REFRESH_FORM)).toBeUndefined();
  });

  it('answers for a client allowed refresh_token whose access tokens are bound to nothing', () => {
    expect(refreshesPlainly(client())).toBe(true);
    expect(refreshesPlainly(client({ grantTypeAllowed: () => false }))).toBe(false);
    expect(refreshesPlainly(client({ dpopBoundAccessTokens: true }))).toBe(false);
    expect(refreshesPlainly(client({ tlsClientCertificateBoundAccessTokens: true }))).toBe(false);
  });

  it('answers an unused, unexpired, unbound token of the client whose Grant was read with it and is stored', async () => {
    const request = await requestWithGrant(true);
    expect(plainState(token(), 'app', request, NOW)).toBe(true);
    expect(plainState(undefined, 'app', request, NOW)).toBe(false);
    expect(plainState(token(), 'other', request, NOW)).toBe(false);
    expect(plainState(token({ exp: NOW }), 'app', request, NOW)).toBe(false);
    expect(plainState(token({ exp: undefined }), 'app', request, NOW)).toBe(false);
    expect(plainState(token({ consumed: 1700000000 }), 'app', request, NOW)).toBe(false);
    expect(plainState(token({ 'x5t#S256': 'thumbprint' }), 'app', request, NOW)).toBe(false);
    expect(plainState(token({ jkt: 'thumbprint' }), 'app', request, NOW)).toBe(false);
    expect(plainState(token({ attestationJkt: 'thumbprint' }), 'app', request, NOW)).toBe(false);
    expect(plainState(token({ grantId: 'another' }), 'app', request, NOW)).toBe(false);
    expect(plainState(token(), 'app', await requestWithGrant(false), NOW)).toBe(false);
  });
});
