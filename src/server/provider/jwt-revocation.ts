// RFC 7009 §2.2: "invalid tokens do not cause an error response", the answer is 200. oidc-provider refuses every
// value that parses as a JWT with unsupported_token_type (lib/shared/reject_structured_tokens.js), even a forged one
// or an id_token; only a JWT access token of ours is a token type Purser cannot revoke (§2.2.1), the rest are invalid.
// That one is refused saying why and what to do instead (README "Revocation").
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';

import { UNSUPPORTED_TOKEN_TYPE } from '../errors/codes.ts';
import { JWT_ACCESS_TOKEN_NOT_REVOCABLE } from '../errors/descriptions.ts';
import { PurserError } from '../errors/purser-error.ts';
import { failureOf, renderError } from '../errors/render.ts';
import type { AccessTokenVerifier } from './jwt-access-token.ts';

export function installJwtRevocation(provider: Provider, verify: AccessTokenVerifier): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    const failure = failureOf(ctx);
    if (oidc?.route !== 'revocation' || !(failure instanceof errors.UnsupportedTokenType)) return;
    if (await verify(oidc.provider.issuer, String(oidc.params?.token))) {
      await renderError(ctx, new PurserError(400, UNSUPPORTED_TOKEN_TYPE, JWT_ACCESS_TOKEN_NOT_REVOCABLE, { detail: failure.error_description }));
      return;
    }
    ctx.status = 200;
    ctx.body = '';
  });
}
