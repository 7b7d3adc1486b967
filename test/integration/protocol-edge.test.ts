// Errors for programs are JSON whatever they Accept. Java's HTTP client (and so Nimbus, Spring) sends
// `Accept: text/html, image/gif, image/jpeg, */*; q=0.2`; every endpoint a program calls must still answer with the
// JSON error its RFC defines, with the headers that RFC requires. HTML is only for the pages a browser visits.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { basic, challenge, FORM, form, send, type Answer, type RawRequest } from '../support/bad-input-http.ts';
import { oauthFailure, REDIRECT_URI, relyingParty, SECRETS } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('protocol-edge');

const JAVA_ACCEPT = 'text/html, image/gif, image/jpeg, */*; q=0.2';
const WRONG_SECRET = 'not-the-secret-0123456789abcdefghijklmnop';
const REPORTS = basic('reports.test', SECRETS['reports.test']!);

/** A request as Java's HttpURLConnection sends it. */
const java = (request: RawRequest): Promise<Answer> =>
  send(context.server.issuer, { ...request, headers: { accept: JAVA_ACCEPT, ...request.headers } });
const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}): RawRequest =>
  ({ method: 'POST', path, body: form(params), headers: { ...FORM, ...headers } });

/** RFC 6749 §5.1 / §5.2: a JSON body with the UTF-8 application/json media type, never cached. */
function expectJson(answer: Answer, status: number): Record<string, unknown> {
  const summary = `${answer.status} ${answer.headers.get('content-type')} ${answer.text.slice(0, 200)}`;
  expect(answer.status, summary).toBe(status);
  expect(answer.headers.get('content-type'), summary).toMatch(/^application\/json; ?charset=utf-8$/i);
  return JSON.parse(answer.text) as Record<string, unknown>;
}

function expectNoStore(answer: Answer): void {
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('pragma')).toBe('no-cache');
}

describe('token endpoint (RFC 6749 §5.1, §5.2)', () => {
  it('RFC 6749 §5.2: a wrong secret sent with Basic is a 401 JSON invalid_client with a Basic challenge', async () => {
    const answer = await java(post('/token', { grant_type: 'client_credentials' }, { authorization: basic('reports.test', WRONG_SECRET) }));
    expect(expectJson(answer, 401)).toMatchObject({ error: 'invalid_client', error_description: expect.any(String) });
    expect(challenge(answer)).toMatchObject({ scheme: 'Basic', params: { realm: context.server.issuer, error: 'invalid_client' } });
    expectNoStore(answer);
  });

  it('RFC 6749 §5.2: a wrong secret sent in the body is a 401 JSON invalid_client (with a challenge, as RFC 9110 §15.5.2 wants of every 401)', async () => {
    const answer = await java(post('/token', { grant_type: 'client_credentials', client_id: 'ledger.test', client_secret: WRONG_SECRET }));
    expect(expectJson(answer, 401)).toMatchObject({ error: 'invalid_client' });
    expect(challenge(answer)?.scheme).toBe('Basic');
  });

  it.each([
    ['unsupported_grant_type', { grant_type: 'password', username: 'a', password: 'b' }],
    ['invalid_grant', { grant_type: 'refresh_token', refresh_token: 'garbage' }],
    ['invalid_scope', { grant_type: 'client_credentials', scope: 'reports:delete' }],
    ['invalid_target', { grant_type: 'client_credentials', resource: 'https://evil.test' }],
    ['invalid_request', { scope: 'reports:read' }],
  ] as Array<[string, Record<string, string>]>)('RFC 6749 §5.2: %s is a 400 JSON error, not a page', async (error, params) => {
    const authorization = params.grant_type === 'refresh_token' ? basic('webapp.test', SECRETS['webapp.test']!) : REPORTS;
    const answer = await java(post('/token', params, { authorization }));
    expect(expectJson(answer, 400)).toMatchObject({ error, error_description: expect.any(String) });
    expectNoStore(answer);
  });

  it('RFC 6749 §5.1: a token response is JSON with Cache-Control: no-store and Pragma: no-cache', async () => {
    const answer = await java(post('/token', { grant_type: 'client_credentials', scope: 'reports:read' }, { authorization: REPORTS }));
    expect(expectJson(answer, 200)).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600, scope: 'reports:read' });
    expectNoStore(answer);
  });

  it("RFC 6749 §5.2 through a real client: openid-client reads Purser's error with Java's Accept header", async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test', { auth: oidc.ClientSecretBasic(WRONG_SECRET) });
    rp[oidc.customFetch] = (url, init) => fetch(url, { ...(init as RequestInit), headers: { ...Object.fromEntries(new Headers(init.headers as HeadersInit)), accept: JAVA_ACCEPT } });
    expect(await oauthFailure(oidc.clientCredentialsGrant(rp))).toMatchObject({ status: 401, error: 'invalid_client' });
  });
});

describe('introspection (RFC 7662 §2.2, §2.3) and revocation (RFC 7009 §2.2, §2.2.1)', () => {
  it('RFC 7662 §2.3: a wrong secret is a 401 JSON invalid_client', async () => {
    const answer = await java(post('/token/introspection', { token: 'x' }, { authorization: basic('reports.test', WRONG_SECRET) }));
    expect(expectJson(answer, 401)).toMatchObject({ error: 'invalid_client' });
    expect(challenge(answer)?.scheme).toBe('Basic');
  });

  it('RFC 7662 §2.1, §2.3: a public client cannot introspect: 401 JSON invalid_client', async () => {
    const answer = await java(post('/token/introspection', { token: 'x', client_id: 'cli.test' }));
    expect(expectJson(answer, 401)).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/public client/) });
    expect(challenge(answer)?.scheme).toBe('Basic');
  });

  it('RFC 7662 §2.2: an unknown token is a JSON {"active": false}, never cached', async () => {
    const answer = await java(post('/token/introspection', { token: 'garbage' }, { authorization: REPORTS }));
    expect(expectJson(answer, 200)).toEqual({ active: false });
    expectNoStore(answer);
  });

  it('RFC 7009 §2.2.1: a wrong secret is a 401 JSON invalid_client', async () => {
    const answer = await java(post('/token/revocation', { token: 'x' }, { authorization: basic('reports.test', WRONG_SECRET) }));
    expect(expectJson(answer, 401)).toMatchObject({ error: 'invalid_client' });
  });

  it('RFC 7009 §2.2.1: a JWT access token cannot be revoked: 400 JSON unsupported_token_type', async () => {
    const token = (expectJson(await java(post('/token', { grant_type: 'client_credentials' }, { authorization: REPORTS })), 200)).access_token as string;
    const answer = await java(post('/token/revocation', { token }, { authorization: REPORTS }));
    expect(expectJson(answer, 400)).toMatchObject({ error: 'unsupported_token_type' });
  });

  it('RFC 7009 §2.2: revoking an unknown token is a 200', async () => {
    const answer = await java(post('/token/revocation', { token: 'garbage' }, { authorization: REPORTS }));
    expect(answer.status).toBe(200);
  });
});

describe('userinfo (RFC 6750 §3, §3.1)', () => {
  it('RFC 6750 §3.1: an invalid token is a 401 with a Bearer challenge naming error and error_description, and a JSON body', async () => {
    const answer = await java({ path: '/me', headers: { authorization: 'Bearer garbage' } });
    expect(expectJson(answer, 401)).toMatchObject({ error: 'invalid_token' });
    const found = challenge(answer);
    expect(found).toMatchObject({ scheme: 'Bearer', params: { realm: context.server.issuer, error: 'invalid_token', error_description: expect.any(String) } });
  });

  it('RFC 6750 §3: a request without a token gets the bare Bearer challenge, and JSON', async () => {
    const answer = await java({ path: '/me' });
    expectJson(answer, 401);
    const found = challenge(answer);
    expect(found?.scheme).toBe('Bearer');
    expect(found?.params.error).toBeUndefined();
  });

  it('RFC 6750 §3.1: a malformed request (token twice) is a 400 JSON invalid_request', async () => {
    const answer = await java({ path: '/me?access_token=garbage', headers: { authorization: 'Bearer garbage' } });
    expect(expectJson(answer, 400)).toMatchObject({ error: 'invalid_request' });
  });
});

describe('discovery and keys (RFC 8414 §3.2, RFC 7517 §8.5)', () => {
  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks'])('%s answers JSON to Java', async (path) => {
    const answer = await java({ path });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/(json|jwk-set\+json); ?charset=utf-8$/i);
  });
});

describe('methods and paths nothing serves (RFC 9110 §15.5.5, §15.5.6)', () => {
  it.each([
    ['GET', '/token', 'POST'],
    ['GET', '/token/introspection', 'POST'],
    ['GET', '/token/revocation', 'POST'],
    ['POST', '/jwks', 'GET'],
    ['POST', '/.well-known/openid-configuration', 'GET'],
    ['DELETE', '/me', 'GET'],
    ['PUT', '/device', 'POST'],
  ])('RFC 9110 §15.5.6: %s %s is a 405 JSON invalid_request with Allow', async (method, path, allow) => {
    const answer = await java({ method, path });
    expect(expectJson(answer, 405)).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining(allow) });
    expect(answer.headers.get('allow')).toContain(allow);
  });

  it.each([
    ['GET', '/token', 'POST, OPTIONS', '/token accepts POST or OPTIONS, not GET'],
    ['POST', '/jwks', 'GET, HEAD, OPTIONS', '/jwks accepts GET, HEAD or OPTIONS, not POST'],
    ['DELETE', '/me', 'GET, POST, OPTIONS', '/me accepts GET, POST or OPTIONS, not DELETE'],
  ])('RFC 9110 §15.5.6: the 405 to %s %s names in its description exactly the methods its Allow lists', async (method, path, allow, description) => {
    const answer = await java({ method, path });
    expect(answer.headers.get('allow')).toBe(allow);
    expect(expectJson(answer, 405)).toEqual({ error: 'invalid_request', error_description: description });
    // And OPTIONS, which Allow names, is indeed served.
    const options = await java({ method: 'OPTIONS', path });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe(allow);
  });

  it.each(['/.well-known/nope', '/token/nope', '/nope'])('RFC 9110 §15.5.5: %s is a 404 JSON error', async (path) => {
    const answer = await java({ path });
    expect(expectJson(answer, 404)).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining(path) });
  });

  it.each([
    ['/token', 'POST'],
    ['/jwks', 'GET, HEAD'],
    ['/me', 'GET, POST'],
  ])('RFC 9110 §9.3.7: OPTIONS %s without a CORS preflight answers 204 with Allow, not a text/plain 404', async (path, allow) => {
    const answer = await java({ method: 'OPTIONS', path });
    expect(answer.status, answer.text).toBe(204);
    expect(answer.headers.get('allow')).toBe(`${allow}, OPTIONS`);
  });

  it('RFC 9110 §15.5.5: OPTIONS on a path nothing serves is a 404 JSON error', async () => {
    expect(expectJson(await java({ method: 'OPTIONS', path: '/nope' }), 404)).toMatchObject({ error: 'invalid_request' });
  });

  it('a CORS preflight (OPTIONS with Origin) is still answered by the CORS rules', async () => {
    const answer = await java({ method: 'OPTIONS', path: '/token', headers: { origin: 'https://app.test', 'access-control-request-method': 'POST' } });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-methods')).toBe('POST');
  });
});

describe('pages a browser visits', () => {
  const badAuthorization = `/auth?${form({ client_id: 'nobody.test', response_type: 'code', redirect_uri: REDIRECT_URI })}`;

  it('an authorization error that cannot go back to the client is a page for a browser (RFC 6749 §4.1.2.1)', async () => {
    const answer = await java({ path: badAuthorization });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.error).toBe('invalid_client');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('the same error is JSON for a program that prefers JSON', async () => {
    const answer = await send(context.server.issuer, { path: badAuthorization, headers: { accept: 'application/json' } });
    expect(expectJson(answer, 400)).toMatchObject({ error: 'invalid_client' });
  });
});
