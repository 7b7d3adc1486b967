// Hands every error oidc-provider catches to Purser's renderer. oidc-provider calls `configuration.renderError` only
// when the caller prefers HTML (lib/shared/error_handler.js asks `ctx.accepts('json', 'html')`) and writes JSON
// itself otherwise; answering "html" to exactly that question sends every error through renderError, which then
// decides JSON or page by the route, not by the Accept header.
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';

type Accepts = Context['accepts'];

export function routeErrorsToRenderer(provider: Provider): void {
  provider.use(async (ctx, next) => {
    const accepts = ctx.accepts.bind(ctx) as (...types: string[]) => string | false;
    const decideInRenderer = (...types: string[]) => (types.length === 2 && types[0] === 'json' && types[1] === 'html' ? 'html' : accepts(...types));
    ctx.accepts = decideInRenderer as Accepts;
    await next();
  });
}
