// Reads the form of an eligible token request, and hands it back when oidc-provider must answer after all.
// oidc-provider reads a body that upstream middleware already consumed from `req.body` (lib/shared/selective_body.js:
// "already parsed request body detected"), decoding it exactly as it would have decoded the stream; a body that could
// not be read is handed back as the failure oidc-provider would have met reading it.
import { parse } from 'node:querystring';
import type { IncomingMessage } from 'node:http';

import getRawBody from 'raw-body';

import type { FormBody } from './eligible.ts';

/** The parameters the client_credentials path understands; a form with any other is left to oidc-provider. */
export const CLIENT_CREDENTIALS_FORM = new Set(['grant_type', 'scope', 'resource', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type']);

/** Each parameter once, with a value: what the fast path decides on. */
export type Form = Partial<Record<string, string>>;

/**
 * The body as oidc-provider would decode it: UTF-8 text, through TextDecoder when the content type names a charset.
 * raw-body checks the length against Content-Length and fails as oidc-provider's own reader does ("request size did
 * not match content length"), and unhooks itself from the stream whatever happens.
 */
export async function readBody(req: IncomingMessage, { length, charset }: FormBody): Promise<string> {
  const body = await getRawBody(req, { length });
  return charset ? new TextDecoder(charset).decode(body) : body.toString();
}

/** The form's parameters, or `undefined` when one is repeated, empty or not in `known` (oidc-provider then decides). */
export function parseForm(text: string, known: ReadonlySet<string>): Form | undefined {
  const form: Form = {};
  for (const [name, value] of Object.entries(parse(text))) {
    if (typeof value !== 'string' || value === '' || !known.has(name)) return undefined;
    form[name] = value;
  }
  return form;
}

/** Gives oidc-provider the body read here: the text, or the failure reading it met (it answers that as unparsable). */
export function handBack(req: IncomingMessage, body: string | Error): void {
  if (typeof body === 'string') {
    (req as IncomingMessage & { body?: string }).body = body;
    return;
  }
  Object.defineProperty(req, 'body', {
    configurable: true,
    get() {
      throw body;
    },
  });
}
