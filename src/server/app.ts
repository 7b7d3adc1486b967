// The Koa app, in the order a request flows: log → metrics → 405s → health → interaction pages → oidc-provider.
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';

import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import type { UserDirectory } from './accounts/users.ts';
import { healthRoutes } from './health.ts';
import { createInteractionRouter } from './interactions/index.ts';
import { Metrics } from './metrics.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { logServerErrors, requestLog } from './request-log.ts';

export interface AppDependencies {
  provider: Provider;
  store: Store;
  users: UserDirectory;
  log: Logger;
  csrfKey: Buffer;
  /** oidc-provider writes its cookies through this app's context, so it must sign with the same keys. */
  cookieKeys: string[];
}

/** Runs `middleware` only for paths under one of `prefixes`: token requests skip the routers of other pages. */
function onlyUnder<State, Context>(prefixes: string[], middleware: Middleware<State, Context>): Middleware<State, Context> {
  return (ctx, next) => (prefixes.some((prefix) => ctx.path.startsWith(prefix)) ? middleware(ctx, next) : next());
}

export function createApp({ provider, store, users, log, csrfKey, cookieKeys }: AppDependencies): Koa {
  const app = new Koa({ proxy: provider.proxy, keys: cookieKeys });
  const metrics = new Metrics();
  metrics.observe(provider);
  logServerErrors(log, provider);

  app.use(requestLog(log));
  app.use(metrics.middleware());
  app.use(methodNotAllowed());
  app.use(onlyUnder(['/healthz', '/readyz', '/metrics'], compose([healthRoutes(store).routes(), metrics.routes().routes()])));
  app.use(onlyUnder(['/interaction/'], createInteractionRouter({ provider, users, log, csrfKey, counters: store.counters }).routes()));
  app.use(mount(provider as unknown as Koa));
  return app;
}
