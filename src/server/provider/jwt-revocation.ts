// RFC 7009 §2.2: "invalid tokens do not cause an error response", the answer is 200. oidc-provider refuses every
// value that parses as a JWT with unsupported_token_type (lib/shared/reject_structured_tokens.js), even a forged one
// or an id_token; only a JWT access token of ours is a token type Purser cannot revoke (§2.2.1), the rest are invalid.
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';

import { failureOf } from '../errors/render.ts';
import type { AccessTokenVerifier } from './jwt-access-token.ts';

export function installJwtRevocation(provider: Provider, verify: AccessTokenVerifier): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    if (oidc?.route !== 'revocation' || !(failureOf(ctx) instanceof errors.UnsupportedTokenType)) return;
    if (await verify(oidc.provider.issuer, String(oidc.params?.token))) return;
    ctx.status = 200;
    ctx.body = '';
  });
}
