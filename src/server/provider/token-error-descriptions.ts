// Makes token endpoint errors say what to fix: oidc-provider's terse invalid_grant ("grant request is invalid")
// becomes which of wrong, expired, already used or not-a-refresh-token it is; a grant type the client may not use
// is unauthorized_client (RFC 6749 §5.2), not invalid_request.
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

const DESCRIPTIONS: Record<string, string> = {
  'refresh token not found': 'refresh token not recognised: it was not issued by this server, or it has been revoked (a reused refresh token revokes its whole grant)',
  'refresh token is expired': 'refresh token has expired: start a new authorization',
  'refresh token already used': 'refresh token was already used: refresh tokens rotate on every use, so send the one returned by your last refresh; reusing an old one revokes the grant, which has now happened',
  'authorization code not found': 'authorization code not recognised: it was not issued by this server or has expired',
  'authorization code is expired': 'authorization code has expired: codes are valid for a short time, start the authorization again',
  'authorization code already consumed': 'authorization code was already used: a code can be redeemed once; the tokens issued with it have been revoked',
  'authorization code redirect_uri mismatch': 'redirect_uri does not match the one used in the authorization request',
  'client mismatch': 'this grant was issued to a different client',
  'grant not found': 'the grant behind this token has been revoked or has expired: start a new authorization',
  'grant is expired': 'the grant behind this token has expired: start a new authorization',
  'grant source not found (expired or revoked)': 'the code or token was revoked or expired while this request was processed',
};

const GRANT_TYPE_NOT_ALLOWED = 'requested grant type is not allowed for this client';

const looksLikeJwt = (value: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value);

/** Why a value sent as refresh_token is not one, when we can tell without revealing another client's tokens. */
async function refreshTokenHint(provider: Provider, value: unknown, clientId: string | undefined): Promise<string | undefined> {
  if (typeof value !== 'string') return undefined;
  if (value !== value.trim()) return 'the refresh_token value has leading or trailing whitespace (a pasted newline?); send it without';
  if (looksLikeJwt(value)) return 'this is a JWT (an access token or id_token), not a refresh token: send the refresh_token from the token response';
  const ownedBy = async (model: { find(value: string): Promise<{ clientId?: string } | undefined> }) => (await model.find(value))?.clientId === clientId;
  if ((await ownedBy(provider.AccessToken)) || (await ownedBy(provider.ClientCredentials))) {
    return 'this is an access token, not a refresh token: send the refresh_token from the token response';
  }
  if (await ownedBy(provider.AuthorizationCode)) return 'this is an authorization code, not a refresh token: use grant_type=authorization_code';
  return undefined;
}

export function installTokenErrorDescriptions(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    const error = (ctx as KoaContextWithOIDC).state.grantError as { error_detail?: string } | undefined;
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (!error) return;
    if (body?.error === 'invalid_request' && body.error_description === GRANT_TYPE_NOT_ALLOWED) {
      const grantType = String((ctx as KoaContextWithOIDC).oidc?.params?.grant_type);
      ctx.body = { error: 'unauthorized_client', error_description: `this client may not use grant_type ${grantType}; add it to the OAuthClient's grantTypes` };
      return;
    }
    if (body?.error !== 'invalid_grant') return;
    const detail = error.error_detail ?? '';
    const params = (ctx as KoaContextWithOIDC).oidc?.params ?? {};
    const hint = detail === 'refresh token not found' ? await refreshTokenHint(provider, params.refresh_token, (ctx as KoaContextWithOIDC).oidc?.client?.clientId) : undefined;
    ctx.body = { ...body, error_description: hint ?? DESCRIPTIONS[detail] ?? (detail || body.error_description) };
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: unknown) => {
    ctx.state.grantError = error;
  });
}
