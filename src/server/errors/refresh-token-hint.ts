// Why a value sent as refresh_token is not one, when that can be told without revealing another client's tokens.
import type { KoaContextWithOIDC } from 'oidc-provider';

import * as said from './descriptions.ts';

const looksLikeJwt = (value: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value);

interface Finder {
  find(value: string): Promise<{ clientId?: string } | undefined>;
}

/** One of the REFRESH_TOKEN_* descriptions, or undefined when the value is simply unknown. */
export async function refreshTokenHint(ctx: KoaContextWithOIDC): Promise<string | undefined> {
  const value = ctx.oidc?.params?.refresh_token;
  const clientId = ctx.oidc?.client?.clientId;
  if (typeof value !== 'string') return undefined;
  if (value !== value.trim()) return said.REFRESH_TOKEN_HAS_WHITESPACE;
  if (looksLikeJwt(value)) return said.REFRESH_TOKEN_IS_JWT;
  const { provider } = ctx.oidc;
  const ownedBy = async (model: Finder) => (await model.find(value))?.clientId === clientId;
  if ((await ownedBy(provider.AccessToken)) || (await ownedBy(provider.ClientCredentials))) return said.REFRESH_TOKEN_IS_ACCESS_TOKEN;
  if (await ownedBy(provider.AuthorizationCode)) return said.REFRESH_TOKEN_IS_CODE;
  return undefined;
}
