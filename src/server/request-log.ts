// One log line per request: method, path (never the query string, which can carry codes and tokens), status, time.
import type { Middleware } from 'koa';

import type { Logger } from '../log.ts';

export function requestLog(log: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const failed = ctx.status >= 500;
      // At the usual info level a success logs nothing: its line is not even built (the token path's allocations).
      if (failed || log.isLevelEnabled('debug')) {
        const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) };
        if (failed) log.error(line, 'request failed');
        else log.debug(line, 'request');
      }
    }
  };
}

/** Logs what oidc-provider reports as a server error (with the error, never the request parameters). */
export function logServerErrors(log: Logger, provider: { on(event: string, fn: (...args: unknown[]) => void): unknown }): void {
  provider.on('server_error', (_ctx, error) => log.error({ err: error }, 'oidc-provider server error'));
}
