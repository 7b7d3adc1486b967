// The one renderer, without a server: what oidc-provider raises becomes Purser's error, programs get JSON whatever
// they Accept, pages get HTML only when a browser asks for it, and a fault says nothing about itself.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

import Koa, { type Context } from 'koa';
import { errors } from 'oidc-provider';
import { describe, expect, it } from 'vitest';

import * as said from '../../src/server/errors/descriptions.ts';
import { InvalidRequest } from '../../src/server/errors/purser-error.ts';
import { renderError } from '../../src/server/errors/render.ts';

const JAVA_ACCEPT = 'text/html, image/gif, image/jpeg, */*; q=0.2';

/** A real Koa context for a request, with as much of oidc-provider's `ctx.oidc` as the renderer reads. */
function contextFor(path: string, headers: Record<string, string>, oidc?: { route: string; params?: Record<string, unknown> }): Context {
  const request = new IncomingMessage(new Socket());
  request.url = path;
  request.method = 'POST';
  request.headers = { host: 'purser.test', ...headers };
  const ctx = new Koa().createContext(request, new ServerResponse(request));
  if (oidc) Object.assign(ctx, { oidc: { issuer: 'https://purser.test', ...oidc } });
  return ctx;
}

const bodyOf = (ctx: Context) => ctx.body as Record<string, unknown>;

describe('renderError', () => {
  it('RFC 6749 §5.2: an oidc-provider invalid_grant is JSON with Purser\'s description, whatever the Accept header', async () => {
    const ctx = contextFor('/token', { accept: JAVA_ACCEPT }, { route: 'token' });
    await renderError(ctx, new errors.InvalidGrant('refresh token is expired'));
    expect(ctx.status).toBe(400);
    expect(bodyOf(ctx)).toEqual({ error: 'invalid_grant', error_description: said.REFRESH_TOKEN_EXPIRED });
    expect(ctx.response.get('Cache-Control')).toBe('no-store');
    expect(ctx.response.get('Pragma')).toBe('no-cache');
  });

  it('RFC 6749 §5.2: no client authentication is a 401 invalid_client with a Basic challenge naming the error', async () => {
    const ctx = contextFor('/token', {}, { route: 'token' });
    await renderError(ctx, new errors.InvalidRequest('no client authentication mechanism provided'));
    expect(ctx.status).toBe(401);
    expect(bodyOf(ctx)).toEqual({ error: 'invalid_client', error_description: said.CLIENT_AUTHENTICATION_REQUIRED });
    expect(ctx.response.get('WWW-Authenticate')).toBe(`Basic realm="https://purser.test", error="invalid_client", error_description="${said.CLIENT_AUTHENTICATION_REQUIRED}"`);
  });

  it('the same with Basic credentials whose client_id is empty is a malformed request', async () => {
    const ctx = contextFor('/token', { authorization: 'Basic OnNlY3JldA==' }, { route: 'token' });
    await renderError(ctx, new errors.InvalidRequest('no client authentication mechanism provided'));
    expect(bodyOf(ctx)).toEqual({ error: 'invalid_request', error_description: said.BASIC_CLIENT_ID_EMPTY });
  });

  it('unauthorized_client names the grant type the client may not use', async () => {
    const ctx = contextFor('/token', {}, { route: 'token', params: { grant_type: 'refresh_token' } });
    await renderError(ctx, new errors.InvalidRequest('requested grant type is not allowed for this client'));
    expect(bodyOf(ctx)).toEqual({ error: 'unauthorized_client', error_description: said.describe(said.GRANT_TYPE_NOT_ALLOWED, 'refresh_token') });
  });

  it('RFC 9110 §15.5.6: a 405 carries Allow', async () => {
    const ctx = contextFor('/token', {});
    await renderError(ctx, new InvalidRequest('x', { status: 405, allow: 'POST' }));
    expect(ctx.status).toBe(405);
    expect(ctx.response.get('Allow')).toBe('POST');
  });

  it('a fault is a 500 server_error that says nothing of its cause', async () => {
    const ctx = contextFor('/token', {}, { route: 'token' });
    await renderError(ctx, new TypeError('secret internals'));
    expect(ctx.status).toBe(500);
    expect(bodyOf(ctx)).toEqual({ error: 'server_error', error_description: said.SERVER_FAULT });
  });

  it('a page a browser visits is HTML when the browser prefers it, with the error escaped', async () => {
    const ctx = contextFor('/auth', { accept: 'text/html' }, { route: 'authorization' });
    await renderError(ctx, new errors.InvalidRequest('<script>x</script>'));
    expect(ctx.status).toBe(400);
    expect(ctx.type).toBe('text/html');
    expect(ctx.body).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(ctx.response.get('Content-Security-Policy')).toContain("default-src 'none'");
  });

  it('the same page is JSON for a caller that prefers JSON', async () => {
    const ctx = contextFor('/auth', { accept: 'application/json' }, { route: 'authorization' });
    await renderError(ctx, new errors.InvalidRequest('bad'));
    expect(bodyOf(ctx)).toEqual({ error: 'invalid_request', error_description: 'bad' });
  });
});
