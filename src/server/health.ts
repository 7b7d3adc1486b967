// Liveness and readiness: /healthz answers while the process runs; /readyz only while the store answers.
import Router from '@koa/router';

import type { Store } from '../store/types.ts';

const READY_TIMEOUT_MS = 1000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoutes(store: Store): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await withTimeout(store.ping(), READY_TIMEOUT_MS);
      ctx.body = { status: 'ready' };
    } catch (error) {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: `store: ${(error as Error).message}` };
    }
  });
  return router;
}
