// Which token requests the fast path may read at all, from the request line and headers alone: a POST to /token
// with a form body of a known length and nothing that asks for more than a bearer token (DPoP, CORS, client
// attestation). Everything else goes to oidc-provider untouched, body unread.
import type { Context } from 'koa';

import { FORM_BODY_LIMIT } from '../errors/from-library.ts';

/** A form, with no parameter but a UTF-8 charset: oidc-provider decodes it as UTF-8 either way (lib/shared/selective_body.js). */
const FORM_TYPE = /^application\/x-www-form-urlencoded[ \t]*(;[ \t]*charset=utf-8[ \t]*)?$/i;

/** Headers that make oidc-provider do more than issue a bearer token: proof of possession, CORS, attestation. */
const DECLINED_HEADERS = ['dpop', 'origin', 'oauth-client-attestation', 'oauth-client-attestation-pop', 'transfer-encoding'];

/** What the body is read with: its length (bytes) and the charset the content type names, if any. */
export interface FormBody {
  length: number;
  charset: string | undefined;
}

/** The form to read when `ctx` may be a plain client_credentials request; `undefined` when it goes to oidc-provider as it is. */
export function eligibleRequest(ctx: Context): FormBody | undefined {
  if (ctx.method !== 'POST' || ctx.path !== '/token' || ctx.querystring !== '') return undefined;
  const headers = ctx.req.headers;
  const type = FORM_TYPE.exec(headers['content-type'] ?? '');
  if (!type) return undefined;
  const declared = headers['content-length'];
  const length = declared === undefined || !/^\d{1,6}$/.test(declared) ? NaN : Number(declared);
  if (!(length <= FORM_BODY_LIMIT)) return undefined;
  for (const name of DECLINED_HEADERS) if (headers[name] !== undefined) return undefined;
  return { length, charset: type[1] ? 'utf-8' : undefined };
}
