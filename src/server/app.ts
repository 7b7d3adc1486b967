// The Koa app, in the order a request flows: log → Host pinned to the issuer's → last-resort errors → encoded bodies refused → metrics → 405s →
// the client_credentials fast path → health → interaction pages → form POSTs to GET → oidc-provider.
// The interaction pages and oidc-provider are built from the key set and swapped whole when it changes, so a rotation
// needs no restart.
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';

import type { Logger } from '../log.ts';
import type { ApiCatalog, Store } from '../store/types.ts';
import type { UserDirectory } from './accounts/users.ts';
import { healthRoutes } from './health.ts';
import { answerEscapedErrors } from './escaped-errors.ts';
import { formPostRedirect } from './form-post-redirect.ts';
import { createInteractionRouter, csrfKeyFor } from './interactions/index.ts';
import { fastTokenPathOf } from './fast-token/index.ts';
import { Metrics } from './metrics.ts';
import { METRICS_ENDPOINT, methodNotAllowed } from './method-not-allowed.ts';
import { pinHostToIssuer } from './public-origin.ts';
import { refuseContentEncoding } from './refusals.ts';
import type { Jwks } from './provider/keys.ts';
import { logServerErrors, requestLog } from './request-log.ts';

export interface KeyMaterial {
  jwks: Jwks;
  /** Newest first: cookies are signed with the first and accepted with any. */
  cookieKeys: string[];
}

export interface AppDependencies {
  store: Store;
  /** The API catalog the pages read (the consent page's scope descriptions): the server's cached one. */
  apis: ApiCatalog;
  users: UserDirectory;
  log: Logger;
  keys: KeyMaterial;
  /** Builds oidc-provider for a key set (its keystore is fixed at construction). */
  providerFor(keys: KeyMaterial): Provider;
  /** Whether the app serves /metrics itself; otherwise the caller serves `metrics` on a port of its own. */
  metricsOnApp: boolean;
  /** PURSER_ISSUER: the origin absolute URLs are written under when no trusted proxy names one. */
  issuer: string;
}

export interface PurserApp {
  app: Koa;
  metrics: Metrics;
  /** Later requests use providers and cookies of `keys`; requests under way finish with the previous ones. */
  useKeys(keys: KeyMaterial): void;
  /** The provider of the current key set (what signs now). */
  provider(): Provider;
}

/** Runs `middleware` only for paths under one of `prefixes`: token requests skip the routers of other pages. */
function onlyUnder<State, Context>(prefixes: string[], middleware: Middleware<State, Context>): Middleware<State, Context> {
  return (ctx, next) => (prefixes.some((prefix) => ctx.path.startsWith(prefix)) ? middleware(ctx, next) : next());
}

export function createApp({ store, apis, users, log, keys, providerFor, metricsOnApp, issuer }: AppDependencies): PurserApp {
  const metrics = new Metrics();
  const app = new Koa();

  const stackFor = (material: KeyMaterial) => {
    const provider = providerFor(material);
    metrics.observe(provider);
    logServerErrors(log, provider);
    const csrfKey = csrfKeyFor(material.cookieKeys);
    return {
      interactions: createInteractionRouter({ provider, users, log, csrfKey, counters: store.counters, apis }).routes(),
      oidc: mount(provider as unknown as Koa),
      fastTokenPath: fastTokenPathOf(provider),
      proxy: provider.proxy,
      provider,
    };
  };
  let stack = stackFor(keys);
  const useKeys = (material: KeyMaterial) => {
    stack = stackFor(material);
    // oidc-provider writes its cookies through this app's context, so it must sign with the same keys.
    app.keys = material.cookieKeys;
  };
  app.proxy = stack.proxy;
  app.keys = keys.cookieKeys;

  // Errors after a response has started (a client gone mid-stream) reach Koa's own handler: one log line, no stack dump.
  app.on('error', (error: Error) => log.warn({ err: error }, 'response failed'));
  app.use(requestLog(log));
  app.use(pinHostToIssuer(issuer));
  app.use(answerEscapedErrors(log));
  app.use(refuseContentEncoding());
  app.use(metrics.middleware());
  app.use(methodNotAllowed(metricsOnApp ? [METRICS_ENDPOINT] : []));
  app.use((ctx, next) => (stack.fastTokenPath ? stack.fastTokenPath(ctx, next) : next()));
  app.use(onlyUnder(metricsOnApp ? ['/healthz', '/readyz', '/metrics'] : ['/healthz', '/readyz'], compose([healthRoutes(store).routes(), ...(metricsOnApp ? [metrics.routes().routes()] : [])])));
  app.use(onlyUnder(['/interaction/'], (ctx, next) => stack.interactions(ctx as Parameters<typeof stack.interactions>[0], next)));
  app.use(formPostRedirect());
  app.use((ctx, next) => stack.oidc(ctx, next));
  return { app, metrics, useKeys, provider: () => stack.provider };
}
