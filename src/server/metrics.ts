// Prometheus metrics: tokens issued by grant type and client, OAuth errors by code, request latency.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import { FAST_PATH_EVENT } from './fast-token/index.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly tokensIssued = new Counter({
    name: 'purser_tokens_issued_total',
    help: 'Token responses issued, by grant type and client_id.',
    labelNames: ['grant_type', 'client_id'],
    registers: [this.registry],
  });
  readonly oauthErrors = new Counter({
    name: 'purser_oauth_errors_total',
    help: 'OAuth / OIDC error responses, by error code.',
    labelNames: ['error'],
    registers: [this.registry],
  });
  readonly backchannelLogouts = new Counter({
    name: 'purser_backchannel_logout_total',
    help: 'Back-channel logout token deliveries, by outcome: delivered, retried (an attempt failed, another follows), failed (the last attempt failed), dropped (the client no longer takes them), refused (the URI reaches an address deliveries may not go to: loopback, link-local, or a private one when not allowed).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly fastPathTokens = new Counter({
    name: 'purser_token_fast_path_total',
    help: 'Token responses the fast path answered, by grant type: client_credentials or refresh_token (the rest of /token goes through oidc-provider; PURSER_TOKEN_FAST_PATH).',
    labelNames: ['grant_type'],
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'purser_http_request_duration_seconds',
    help: 'HTTP request latency, by route and status class.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts token issuance from oidc-provider's own events. */
  observe(provider: Provider): void {
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      this.tokensIssued.inc({ grant_type: String(ctx.oidc.params?.grant_type ?? 'unknown'), client_id: ctx.oidc.client?.clientId ?? 'unknown' });
    });
    (provider as unknown as NodeJS.EventEmitter).on(FAST_PATH_EVENT, (_ctx: unknown, grantType: string) => this.fastPathTokens.inc({ grant_type: grantType }));
  }

  /** Times every request and counts error bodies; route labels stay few (the oidc route name or our own). */
  middleware(): Middleware {
    return async (ctx, next) => {
      // performance.now() and one observe: startTimer's closure and label merge cost more on every request.
      const started = performance.now();
      try {
        await next();
      } finally {
        const route = (ctx as unknown as KoaContextWithOIDC).oidc?.route ?? (ctx as { _matchedRoute?: string })._matchedRoute ?? 'other';
        const labels = { route: String(route), method: ctx.method, status: `${Math.floor(ctx.status / 100)}xx` };
        this.requestDuration.observe(labels, (performance.now() - started) / 1000);
        const error = (ctx.body as { error?: unknown } | undefined)?.error;
        if (ctx.status >= 400 && typeof error === 'string') this.oauthErrors.inc({ error });
      }
    };
  }

  routes(): Router {
    const router = new Router();
    router.get('/metrics', async (ctx) => {
      ctx.type = this.registry.contentType;
      ctx.body = await this.registry.metrics();
    });
    return router;
  }
}
