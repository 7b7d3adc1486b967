// Form posts from the interaction pages: urlencoded only and small (a username, a password, a token).
import { koaBody } from 'koa-body';
import type { Context } from 'koa';

export const parseForm = koaBody({ urlencoded: true, json: false, text: false, multipart: false, formLimit: '16kb' });

/** A field's value when it is one string; arrays and nested objects (`a[]=`, `a[b]=`) count as absent. */
export function formField(ctx: Pick<Context, 'request'>, name: string): string | undefined {
  const body: unknown = ctx.request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const value: unknown = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
