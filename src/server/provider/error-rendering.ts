// Hands every error oidc-provider catches to Purser's renderer. oidc-provider calls `configuration.renderError` only
// when the caller prefers HTML (lib/shared/error_handler.js asks `ctx.accepts('json', 'html')`) and writes JSON
// itself otherwise; answering "html" to exactly that question sends every error through renderError, which then
// decides JSON or page by the route, not by the Accept header.
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';

type Accepts = Context['accepts'];

/** ctx.accepts as installed on each request: one function for all (Koa's own asks the request, as this does). */
export function decideInRenderer(this: Context, ...types: string[]): string | false {
  return types.length === 2 && types[0] === 'json' && types[1] === 'html' ? 'html' : this.request.accepts(...types);
}

export function routeErrorsToRenderer(provider: Provider): void {
  // Not async, and no closure per request: the token path pays one property write here.
  provider.use((ctx, next) => {
    ctx.accepts = decideInRenderer as Accepts;
    return next();
  });
}
