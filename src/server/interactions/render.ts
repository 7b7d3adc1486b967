// Sends a rendered page with its status; the security headers are already set by page-headers.
import type { Context } from 'koa';

export function renderPage(ctx: Pick<Context, 'status' | 'type' | 'body'>, status: number, page: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = page;
}
