// RFC 6749 §5.1: a response carrying tokens or credentials has "Cache-Control: no-store" and "Pragma: no-cache".
// oidc-provider sets the first on such responses (token, introspection, revocation, userinfo); this adds the second.
import type { Provider } from 'oidc-provider';

export function installPragmaNoCache(provider: Provider): void {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.response.get('Cache-Control') === 'no-store') ctx.set('Pragma', 'no-cache');
  });
}
