// Reads a token presented at the token endpoint (a subject or actor token, RFC 8693 §2.1) as an access token of this
// server, checked as fully as introspection would: a JWT must verify (signature by our keys, issuer, typ at+jwt,
// expiry: jwt-access-token.ts); an opaque token must be in the store, unexpired, and its grant must still stand.
import type { Provider } from 'oidc-provider';

import type { AccessTokenVerifier } from '../../provider/jwt-access-token.ts';

export interface PresentedToken {
  /** The client it was issued to. */
  clientId: string;
  /** The user it acts for; `undefined` for a client_credentials token, which acts for its client. */
  accountId?: string;
  scopes: string[];
  audiences: string[];
  /** Epoch seconds. */
  exp: number;
  /** RFC 8693 §4.1: the actor chain the token already carries, if it came from an exchange itself. */
  act?: Record<string, unknown>;
}

const listOf = (value: unknown): string[] => (value === undefined ? [] : ([] as unknown[]).concat(value).filter((item): item is string => typeof item === 'string'));
const objectOr = (value: unknown): Record<string, unknown> | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

/** A JWT's three dot-separated parts; an opaque token of ours never holds a dot. */
const isJwt = (value: string): boolean => value.split('.').length === 3;

async function readJwt(provider: Provider, value: string, verify: AccessTokenVerifier): Promise<PresentedToken | undefined> {
  const claims = await verify(provider.issuer, value);
  if (!claims || typeof claims.client_id !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return undefined;
  // oidc-provider sets sub to the client_id in a token that acts for no user (client_credentials).
  const accountId = claims.sub === claims.client_id ? undefined : claims.sub;
  const act = objectOr(claims.act);
  return { clientId: claims.client_id, ...(accountId ? { accountId } : {}), scopes: String(claims.scope ?? '').split(' ').filter(Boolean), audiences: listOf(claims.aud), exp: claims.exp, ...(act ? { act } : {}) };
}

interface StoredToken {
  clientId: string;
  accountId?: string;
  grantId?: string;
  scope?: string;
  aud?: string | string[];
  exp: number;
  isValid: boolean;
  extra?: Record<string, unknown>;
}

async function readOpaque(provider: Provider, value: string): Promise<PresentedToken | undefined> {
  const token = ((await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value))) as unknown as StoredToken | undefined;
  if (!token?.isValid) return undefined;
  if (token.grantId) {
    // As introspection does: a revoked grant (logout, a reused refresh token, a deleted client) ends its tokens.
    const grant = await provider.Grant.find(token.grantId);
    if (!grant || grant.clientId !== token.clientId || grant.accountId !== token.accountId) return undefined;
  }
  const act = objectOr(token.extra?.act);
  return { clientId: token.clientId, ...(token.accountId ? { accountId: token.accountId } : {}), scopes: (token.scope ?? '').split(' ').filter(Boolean), audiences: listOf(token.aud), exp: token.exp, ...(act ? { act } : {}) };
}

/** The token's facts, or `undefined` for anything that is not an active access token of this server. */
export function readAccessToken(provider: Provider, value: string, verify: AccessTokenVerifier): Promise<PresentedToken | undefined> {
  return isJwt(value) ? readJwt(provider, value, verify) : readOpaque(provider, value);
}
