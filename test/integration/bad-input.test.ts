// Bad input at every endpoint, over raw HTTP: malformed requests a real client library would never send. Each gets
// the 4xx the RFCs ask for (RFC 6749 §5.2 and §4.1.2.1, RFC 6750 §3.1, RFC 7009, RFC 7662, OIDC Core), with an
// error_description that says what is wrong; none gets a 5xx, and none is answered with a secret in it.
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { CONTENT_ENCODING_NOT_ACCEPTED as CONTENT_ENCODING_DESCRIPTION, JWT_ACCESS_TOKEN_NOT_REVOCABLE } from '../../src/server/errors/descriptions.ts';
import { basic, expectAnswer, FORM, form, rawBasic, send, type Answer, type Expected, type RawRequest } from '../support/bad-input-http.ts';
import { Browser } from '../support/browser.ts';
import { REDIRECT_URI, SECRETS } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('bad-input');
const call = (request: RawRequest): Promise<Answer> => send(context.server.issuer, request);

const WRONG_SECRET = 'not-the-secret-0123456789abcdefghijklmnop';
const REPORTS = { authorization: basic('reports.test', SECRETS['reports.test']!) };
const WEBAPP = { authorization: basic('webapp.test', SECRETS['webapp.test']!) };
const LEDGER_POST: Array<[string, string]> = [['client_id', 'ledger.test'], ['client_secret', SECRETS['ledger.test']!]];
const TWO_MEGABYTES = 'a'.repeat(2 * 1024 * 1024);
/** Longer than Node's 16 KB limit for the request line and headers together. */
const OVER_HEADER_LIMIT = 'c'.repeat(20_000);
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** What some cases need from a running server: real tokens, and an interaction in progress with its cookie. */
interface Setup {
  /** An RFC 9068 JWT access token of reports.test (audience https://reports.test). */
  reportsJwt: string;
  /** An opaque client_credentials access token of ledger.test. */
  ledgerToken: string;
  interaction: { path: string; cookie: string; csrf: string };
}

interface Case {
  name: string;
  request: RawRequest | ((setup: Setup) => RawRequest);
  expected: Expected;
}

const post = (path: string, body: string | FormData, headers: Record<string, string> = FORM): RawRequest => ({ method: 'POST', path, headers, body });
const tokenRequest = (params: Record<string, string> | Array<[string, string]>, headers: Record<string, string> = REPORTS): RawRequest =>
  post('/token', form(params), { ...FORM, ...headers });
const invalidRequest = (description: RegExp): Expected => ({ status: 400, error: 'invalid_request', description });
const invalidClient: Expected = { status: 401, error: 'invalid_client' };
/** RFC 6749 §5.2: authenticating with the Authorization header and failing is a 401 with a Basic challenge. */
const invalidClientChallenged: Expected = { ...invalidClient, challenge: { scheme: 'Basic', error: 'invalid_client' } };

// ---------------------------------------------------------------------------------------------------------------
// Client authentication: the same mistakes at the three endpoints that authenticate clients.

const CLIENT_ENDPOINTS = [
  { path: '/token', params: [['grant_type', 'client_credentials']] },
  { path: '/token/introspection', params: [['token', 'garbage']] },
  { path: '/token/revocation', params: [['token', 'garbage']] },
] as const satisfies ReadonlyArray<{ path: string; params: ReadonlyArray<readonly [string, string]> }>;

const CLIENT_AUTH: Array<{ name: string; authorization?: string; params?: Array<[string, string]>; expected: Expected }> = [
  // RFC 6749 §5.2 lists "no client authentication included" under invalid_client.
  { name: 'no client authentication at all', expected: invalidClient },
  { name: 'Basic credentials that are not base64', authorization: 'Basic !!!not-base64!!!', expected: invalidRequest(/authorization header/) },
  { name: 'Basic credentials without a colon', authorization: rawBasic('reports.test'), expected: invalidRequest(/authorization header/) },
  { name: 'an empty Basic value', authorization: 'Basic ', expected: invalidRequest(/authorization header/) },
  { name: 'the Basic scheme alone', authorization: 'Basic', expected: invalidRequest(/authorization header/) },
  { name: 'two spaces after Basic', authorization: `Basic  ${rawBasic('reports.test:x').slice(6)}`, expected: invalidRequest(/authorization header/) },
  { name: 'a Bearer token instead of client credentials', authorization: 'Bearer abc', expected: invalidRequest(/authorization header/) },
  { name: 'raw UTF-8 (not form-urlencoded) in Basic', authorization: rawBasic('rêports.test:sécret'), expected: invalidRequest(/not properly encoded/) },
  { name: 'a form-urlencoded non-ASCII client_id (client-id is VSCHAR)', authorization: basic('rêports.test', 'sécret'), expected: invalidRequest(/not properly encoded/) },
  { name: 'a broken percent-encoding in Basic', authorization: rawBasic('reports.test:%zz'), expected: invalidRequest(/not properly encoded/) },
  { name: 'a NUL byte in the Basic client_id', authorization: basic('reports.test\0', 'x'), expected: invalidRequest(/not properly encoded/) },
  { name: 'Basic with an empty client_secret', authorization: rawBasic('reports.test:'), expected: invalidRequest(/client_secret must be provided/) },
  // The client did send Basic credentials: "no client authentication mechanism provided" would be untrue.
  { name: 'Basic with an empty client_id', authorization: rawBasic(':x'), expected: invalidRequest(/client_id/) },
  {
    name: 'Basic and client_secret_post at once',
    authorization: REPORTS.authorization,
    params: [['client_id', 'reports.test'], ['client_secret', SECRETS['reports.test']!]],
    expected: invalidRequest(/only be provided using one mechanism/),
  },
  { name: 'a client_id in the body that is not the Basic one', authorization: REPORTS.authorization, params: [['client_id', 'ledger.test']], expected: invalidRequest(/client_id mismatch/) },
  { name: 'client_id twice', params: [...LEDGER_POST, ['client_id', 'ledger.test']], expected: invalidRequest(/'client_id' parameter must not be provided twice/) },
  { name: 'client_secret twice', params: [...LEDGER_POST, ['client_secret', 'x']], expected: invalidRequest(/'client_secret' parameter must not be provided twice/) },
  { name: 'an unknown client (Basic)', authorization: basic('nobody.test', WRONG_SECRET), expected: invalidClientChallenged },
  { name: 'an unknown client (client_secret_post)', params: [['client_id', 'nobody.test'], ['client_secret', WRONG_SECRET]], expected: invalidClient },
  { name: 'a wrong secret', authorization: basic('reports.test', WRONG_SECRET), expected: invalidClientChallenged },
  { name: 'the secret of another client', authorization: basic('reports.test', SECRETS['ledger.test']!), expected: invalidClientChallenged },
  { name: 'a confidential client_id without its secret', params: [['client_id', 'reports.test']], expected: invalidClient },
  { name: 'a public client sending a secret (post)', params: [['client_id', 'cli.test'], ['client_secret', WRONG_SECRET]], expected: invalidClient },
  { name: 'a public client sending a secret (Basic)', authorization: basic('cli.test', WRONG_SECRET), expected: invalidClientChallenged },
  { name: 'a NUL byte in client_id', params: [['client_id', 'ledger\0.test'], ['client_secret', WRONG_SECRET]], expected: invalidClient },
  { name: 'a 50 kB client_id', params: [['client_id', 'c'.repeat(50_000)], ['client_secret', WRONG_SECRET]], expected: invalidClient },
  { name: 'a Basic header over the header size limit', authorization: basic(OVER_HEADER_LIMIT, 'x'), expected: { status: 431 } },
];

const CLIENT_AUTH_CASES: Case[] = CLIENT_ENDPOINTS.flatMap((endpoint) =>
  CLIENT_AUTH.map(({ name, authorization, params = [], expected }) => ({
    name: `${endpoint.path}: ${name}`,
    request: post(endpoint.path, form([...endpoint.params, ...params]), { ...FORM, ...(authorization === undefined ? {} : { authorization }) }),
    expected,
  })),
);

// ---------------------------------------------------------------------------------------------------------------
// Request bodies: the form-only endpoints, fed other media types and oversized forms.

const FORM_ENDPOINTS: Array<{ path: string; body: string; headers: Record<string, string> }> = [
  { path: '/token', body: form({ grant_type: 'client_credentials' }), headers: REPORTS },
  { path: '/token/introspection', body: form({ token: 'garbage' }), headers: REPORTS },
  { path: '/token/revocation', body: form({ token: 'garbage' }), headers: REPORTS },
  { path: '/me', body: form({ access_token: 'garbage' }), headers: {} },
  { path: '/session/end/confirm', body: form({ xsrf: 'garbage', logout: 'yes' }), headers: {} },
];

const multipart = (body: string): FormData => {
  const data = new FormData();
  for (const [name, value] of new URLSearchParams(body)) data.append(name, value);
  return data;
};

const MEDIA_TYPES: Array<{ name: string; encode: (body: string) => { body: string | FormData; headers: Record<string, string> } }> = [
  { name: 'JSON', encode: (body) => ({ body: JSON.stringify(Object.fromEntries(new URLSearchParams(body))), headers: { 'content-type': 'application/json' } }) },
  { name: 'text/plain', encode: (body) => ({ body, headers: { 'content-type': 'text/plain' } }) },
  { name: 'multipart/form-data', encode: (body) => ({ body: multipart(body), headers: {} }) },
];

const MEDIA_TYPE_CASES: Case[] = FORM_ENDPOINTS.flatMap(({ path, body, headers }) =>
  MEDIA_TYPES.map(({ name, encode }) => {
    const encoded = encode(body);
    return {
      name: `${path}: a ${name} body`,
      request: { method: 'POST', path, headers: { ...headers, ...encoded.headers }, body: encoded.body },
      expected: invalidRequest(/only application\/x-www-form-urlencoded content-type bodies are supported/),
    };
  }),
);

// 413 or 400 are both fair answers to a 2 MB form; what matters is that it is a 4xx and says the body is too big
// ("failed to parse the request body" would send the caller looking for a syntax error).
const HUGE_BODY_CASES: Case[] = FORM_ENDPOINTS.map(({ path, headers }) => ({
  name: `${path}: a 2 MB form`,
  request: post(path, `${form({ grant_type: 'client_credentials' })}&scope=${TWO_MEGABYTES}`, { ...FORM, ...headers }),
  expected: { status: [400, 413], error: 'invalid_request', description: /too large/i },
}));

// ---------------------------------------------------------------------------------------------------------------
// The token endpoint's own parameters.

const TOKEN_CASES: Case[] = [
  { name: 'no body and no content type', request: { method: 'POST', path: '/token', headers: REPORTS }, expected: invalidRequest(/missing required parameter 'grant_type'/) },
  { name: 'no grant_type', request: tokenRequest({ scope: 'reports:read' }), expected: invalidRequest(/missing required parameter 'grant_type'/) },
  { name: 'an empty grant_type', request: tokenRequest({ grant_type: '' }), expected: invalidRequest(/missing required parameter 'grant_type'/) },
  { name: 'grant_type twice', request: tokenRequest([['grant_type', 'client_credentials'], ['grant_type', 'client_credentials']]), expected: invalidRequest(/'grant_type' parameter must not be provided twice/) },
  { name: 'scope twice', request: tokenRequest([['grant_type', 'client_credentials'], ['scope', 'reports:read'], ['scope', 'reports:write']]), expected: invalidRequest(/'scope' parameter must not be provided twice/) },
  ...['password', 'implicit', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'client_credentials\0', 'CLIENT_CREDENTIALS'].map((grantType) => ({
    name: `grant_type ${JSON.stringify(grantType)}`,
    request: tokenRequest({ grant_type: grantType, username: 'alice', password: 'x' }),
    expected: { status: 400, error: 'unsupported_grant_type' },
  })),
  { name: 'a grant type the client may not use', request: tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x' }), expected: { status: 400, error: 'unauthorized_client', description: /grantTypes/ } },
  { name: 'the device grant (RFC 8628) by a client without it', request: tokenRequest({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' }), expected: { status: 400, error: 'unauthorized_client', description: /grantTypes/ } },
  { name: 'client_credentials by a public client', request: tokenRequest({ grant_type: 'client_credentials', client_id: 'cli.test' }, {}), expected: { status: 400, error: 'unauthorized_client' } },
  { name: 'refresh_token grant without refresh_token', request: tokenRequest({ grant_type: 'refresh_token' }, WEBAPP), expected: invalidRequest(/missing required parameter 'refresh_token'/) },
  ...([
    ['garbage', 'garbage', /not recognised/],
    ['50 kB', 'r'.repeat(50_000), /not recognised/],
    ['a NUL byte in it', 'ab\0cd', /not recognised/],
    ['a trailing newline', 'abcdef\n', /whitespace/],
    ['a JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', /JWT/],
  ] satisfies Array<[string, string, RegExp]>).map(([label, value, description]) => ({
    name: `a refresh_token that is ${label}`,
    request: tokenRequest({ grant_type: 'refresh_token', refresh_token: value }, WEBAPP),
    expected: { status: 400, error: 'invalid_grant', description },
  })),
  {
    name: 'a refresh_token by a public client that is garbage',
    request: tokenRequest({ grant_type: 'refresh_token', client_id: 'cli.test', refresh_token: 'garbage' }, {}),
    expected: { status: 400, error: 'invalid_grant', description: /not recognised/ },
  },
  { name: 'authorization_code without code', request: tokenRequest({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI }, WEBAPP), expected: invalidRequest(/missing required parameter 'code'/) },
  {
    name: 'a garbage authorization code',
    request: tokenRequest({ grant_type: 'authorization_code', code: 'garbage', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }, WEBAPP),
    expected: { status: 400, error: 'invalid_grant', description: /authorization code not recognised/ },
  },
  { name: 'control characters in scope', request: tokenRequest({ grant_type: 'client_credentials', scope: 'reports:read\x01\x7f\r\n' }), expected: { status: 400, error: 'invalid_scope', description: /invalid characters/ } },
  { name: 'invalid UTF-8 in scope', request: post('/token', 'grant_type=client_credentials&scope=%FF%FE', { ...FORM, ...REPORTS }), expected: { status: 400, error: 'invalid_scope', description: /invalid characters/ } },
  { name: 'a broken percent-encoding in scope', request: post('/token', 'grant_type=client_credentials&scope=%zz%', { ...FORM, ...REPORTS }), expected: { status: 400, error: 'invalid_scope', description: /not allowed for this client/ } },
  { name: 'a 40 kB scope', request: tokenRequest({ grant_type: 'client_credentials', scope: 's'.repeat(40_000) }), expected: { status: 400, error: 'invalid_scope' } },
  { name: 'a resource that is not a URI', request: tokenRequest({ grant_type: 'client_credentials', resource: 'not a uri' }), expected: { status: 400, error: 'invalid_target', description: /absolute URI/ } },
  { name: 'a resource with a fragment', request: tokenRequest({ grant_type: 'client_credentials', resource: 'https://reports.test#x' }), expected: { status: 400, error: 'invalid_target', description: /fragment/ } },
  {
    name: 'two resources for client_credentials',
    request: tokenRequest([['grant_type', 'client_credentials'], ['resource', 'https://reports.test'], ['resource', 'https://archive.test']]),
    expected: { status: 400, error: 'invalid_target', description: /single resource/ },
  },
  {
    name: 'a client_assertion that is not a JWT',
    request: tokenRequest({ grant_type: 'client_credentials', client_id: 'reports.test', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'a.b.c' }, {}),
    expected: invalidRequest(/client_assertion/),
  },
  { name: 'a DPoP header that is not a proof', request: tokenRequest({ grant_type: 'client_credentials' }, { ...REPORTS, dpop: 'garbage' }), expected: { status: 400, error: 'invalid_dpop_proof' } },
];

// ---------------------------------------------------------------------------------------------------------------
// Introspection (RFC 7662) and revocation (RFC 7009).

const TOKEN_PARAM_ENDPOINTS = [
  { path: '/token/introspection', inactive: { active: false } },
  { path: '/token/revocation', inactive: '' },
] as const;

const INTROSPECTION_REVOCATION_CASES: Case[] = [
  ...TOKEN_PARAM_ENDPOINTS.flatMap(({ path, inactive }) => [
    { name: `${path}: no token`, request: post(path, '', { ...FORM, ...REPORTS }), expected: invalidRequest(/missing required parameter 'token'/) },
    { name: `${path}: token twice`, request: post(path, form([['token', 'a'], ['token', 'b']]), { ...FORM, ...REPORTS }), expected: invalidRequest(/'token' parameter must not be provided twice/) },
    ...([
      ['a garbage token', { token: 'garbage' }],
      ['an unknown token_type_hint', { token: 'garbage', token_type_hint: 'bogus' }],
      ['a refresh_token hint on garbage', { token: 'garbage', token_type_hint: 'refresh_token' }],
      ['a 50 kB token', { token: 't'.repeat(50_000) }],
      ['a NUL byte in the token', { token: 'ab\0cd' }],
    ] satisfies Array<[string, Record<string, string>]>).map(([label, params]) => ({
      // RFC 7662 §2.2: an unknown token is {"active": false}; RFC 7009 §2.2: an invalid token is a 200.
      name: `${path}: ${label}`,
      request: post(path, form(params), { ...FORM, ...REPORTS }),
      expected: { status: 200, body: inactive },
    })),
  ]),
  // RFC 7662 §2.1: the endpoint MUST require authorization; a public client's client_id authenticates nobody.
  { name: '/token/introspection: a public client_id without credentials', request: post('/token/introspection', form({ token: 'garbage', client_id: 'cli.test' })), expected: invalidClient },
  {
    name: "/token/introspection: another client's token, by a client that does not serve its audience",
    request: ({ ledgerToken }) => post('/token/introspection', form({ token: ledgerToken }), { ...FORM, ...REPORTS }),
    expected: { status: 200, body: { active: false } },
  },
  {
    name: '/token/revocation: a JWT access token (RFC 7009 §2.2.1)',
    request: ({ reportsJwt }) => post('/token/revocation', form({ token: reportsJwt }), { ...FORM, ...REPORTS }),
    // Purser's description, word for word: why, and what to do instead.
    expected: { status: 400, error: 'unsupported_token_type', description: new RegExp(`^${JWT_ACCESS_TOKEN_NOT_REVOCABLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// The authorization endpoint: an untrusted client_id or redirect_uri gets an error page and no redirect
// (RFC 6749 §4.1.2.1); anything else wrong goes back to the registered redirect_uri with the error and the state.

function authPath(changes: Record<string, string | undefined> = {}, extra: Array<[string, string]> = []): string {
  const params: Record<string, string | undefined> = {
    client_id: 'webapp.test',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT_URI,
    state: 'xyz',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...changes,
  };
  const pairs = Object.entries(params).filter((pair): pair is [string, string] => pair[1] !== undefined);
  return `/auth?${form([...pairs, ...extra])}`;
}

const errorPage = (error: string, description?: RegExp): Expected => ({ status: 400, error, description, location: false });
const backToClient = (error: string, description?: RegExp | false): Expected => ({ status: 303, error, description, location: REDIRECT_URI });

const AUTHORIZATION_CASES: Case[] = [
  { name: 'no parameters', request: { path: '/auth' }, expected: errorPage('invalid_request', /'client_id'/) },
  { name: 'no client_id', request: { path: authPath({ client_id: undefined }) }, expected: errorPage('invalid_request', /'client_id'/) },
  { name: 'an unknown client_id with an attacker redirect_uri', request: { path: authPath({ client_id: 'nobody.test', redirect_uri: 'https://evil.test/cb' }) }, expected: errorPage('invalid_client') },
  { name: 'a NUL byte in client_id', request: { path: authPath({ client_id: 'webapp\0.test' }) }, expected: errorPage('invalid_client') },
  { name: 'an 8 kB client_id', request: { path: authPath({ client_id: 'c'.repeat(8000) }) }, expected: errorPage('invalid_client') },
  { name: 'client_id twice', request: { path: authPath({}, [['client_id', 'webapp.test']]) }, expected: errorPage('invalid_request', /'client_id' parameter must not be provided twice/) },
  // RFC 6749 §3.1.2.3: with exactly one registered redirect_uri, leaving it out is allowed (the flow goes on).
  { name: 'no redirect_uri, for a client with exactly one', request: { path: authPath({ redirect_uri: undefined, scope: 'reports:read' }) }, expected: { status: 303 } },
  { name: 'an unregistered redirect_uri', request: { path: authPath({ redirect_uri: 'https://evil.test/cb' }) }, expected: errorPage('invalid_redirect_uri', /registered redirect_uris/) },
  { name: 'a redirect_uri that is not a URI', request: { path: authPath({ redirect_uri: 'not a uri' }) }, expected: errorPage('invalid_redirect_uri') },
  { name: 'the registered redirect_uri with a query added', request: { path: authPath({ redirect_uri: `${REDIRECT_URI}?next=https://evil.test` }) }, expected: errorPage('invalid_redirect_uri') },
  { name: 'the registered redirect_uri with a fragment', request: { path: authPath({ redirect_uri: `${REDIRECT_URI}#x` }) }, expected: errorPage('invalid_redirect_uri') },
  { name: 'a redirect_uri for a client that has none', request: { path: authPath({ client_id: 'reports.test' }) }, expected: errorPage('invalid_redirect_uri') },
  {
    name: 'redirect_uri twice (registered, then an attacker one)',
    request: { path: authPath({}, [['redirect_uri', 'https://evil.test/cb']]) },
    expected: backToClient('invalid_request', /'redirect_uri' parameter must not be provided twice/),
  },
  { name: 'response_type token', request: { path: authPath({ response_type: 'token' }) }, expected: backToClient('unsupported_response_type') },
  { name: 'response_type id_token token', request: { path: authPath({ response_type: 'id_token token', nonce: 'n' }) }, expected: backToClient('unsupported_response_type') },
  { name: 'response_type bogus', request: { path: authPath({ response_type: 'bogus' }) }, expected: backToClient('unsupported_response_type') },
  { name: 'no response_type', request: { path: authPath({ response_type: undefined }) }, expected: backToClient('invalid_request', /'response_type'/) },
  { name: 'code_challenge_method plain', request: { path: authPath({ code_challenge_method: 'plain' }) }, expected: backToClient('invalid_request', /code_challenge_method/) },
  { name: 'code_challenge_method S512', request: { path: authPath({ code_challenge_method: 'S512' }) }, expected: backToClient('invalid_request', /code_challenge_method/) },
  { name: 'a code_challenge without its method', request: { path: authPath({ code_challenge_method: undefined }) }, expected: backToClient('invalid_request', /code_challenge_method must be provided/) },
  { name: 'a short code_challenge', request: { path: authPath({ code_challenge: 'abc' }) }, expected: backToClient('invalid_request', /43 characters/) },
  { name: 'a code_challenge with invalid characters', request: { path: authPath({ code_challenge: '!'.repeat(43) }) }, expected: backToClient('invalid_request', /invalid characters/) },
  { name: 'no PKCE', request: { path: authPath({ code_challenge: undefined, code_challenge_method: undefined }) }, expected: backToClient('invalid_request', /PKCE/) },
  // OIDC Core §6: request objects are not supported here, and these error codes say so by themselves.
  { name: 'a request object', request: { path: authPath({ request: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ3ZWJhcHAudGVzdCJ9.' }) }, expected: backToClient('request_not_supported', false) },
  { name: 'a request_uri', request: { path: authPath({ request_uri: 'https://evil.test/request.jwt' }) }, expected: backToClient('request_uri_not_supported', false) },
  { name: 'response_mode bogus', request: { path: authPath({ response_mode: 'bogus' }) }, expected: backToClient('unsupported_response_mode') },
  { name: 'prompt bogus', request: { path: authPath({ prompt: 'bogus' }) }, expected: backToClient('invalid_request', /prompt/) },
  { name: 'max_age not a number', request: { path: authPath({ max_age: 'abc' }) }, expected: backToClient('invalid_request', /max_age/) },
  { name: 'a NUL byte in scope', request: { path: authPath({ scope: 'openid\0' }) }, expected: backToClient('invalid_scope', /invalid characters/) },
  { name: 'a resource that is not an audience of the client', request: { path: authPath({ resource: 'https://evil.test' }) }, expected: backToClient('invalid_target', /not an audience/) },
  { name: 'a URL over the header size limit', request: { path: authPath({ state: OVER_HEADER_LIMIT }) }, expected: { status: 431 } },
];

// ---------------------------------------------------------------------------------------------------------------
// userinfo: RFC 6750 bearer token usage.

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const invalidToken: Expected = { status: 401, error: 'invalid_token', challenge: { scheme: 'Bearer', error: 'invalid_token' } };

const USERINFO_CASES: Case[] = [
  // RFC 6750 §3.1: a request without credentials gets a bare challenge, with no error code in it.
  { name: 'no access token', request: { path: '/me' }, expected: { status: 401, challenge: { scheme: 'Bearer', error: null } } },
  // ... and so does one "attempted using an unsupported authentication method" (same section).
  { name: 'Basic credentials instead of a bearer token', request: { path: '/me', headers: REPORTS }, expected: { status: 401, challenge: { scheme: 'Bearer', error: null } } },
  { name: 'a garbage token', request: { path: '/me', headers: bearer('garbage') }, expected: invalidToken },
  { name: 'a JWT-shaped garbage token', request: { path: '/me', headers: bearer('aaa.bbb.ccc') }, expected: invalidToken },
  { name: 'a 10 kB token', request: { path: '/me', headers: bearer('x'.repeat(10_000)) }, expected: invalidToken },
  { name: 'a garbage token in a form body', request: post('/me', form({ access_token: 'garbage' })), expected: invalidToken },
  { name: 'a client_credentials JWT for an API audience', request: ({ reportsJwt }) => ({ path: '/me', headers: bearer(reportsJwt) }), expected: invalidToken },
  { name: 'an opaque client_credentials token', request: ({ ledgerToken }) => ({ path: '/me', headers: bearer(ledgerToken) }), expected: invalidToken },
  { name: 'an empty Bearer value', request: { path: '/me', headers: { authorization: 'Bearer ' } }, expected: invalidRequest(/authorization header/) },
  { name: 'the token in the query', request: { path: '/me?access_token=garbage' }, expected: invalidRequest(/query parameter/) },
  { name: 'the token in the header and the query', request: { path: '/me?access_token=garbage', headers: bearer('garbage') }, expected: invalidRequest(/one mechanism/) },
  { name: 'the token in the header and the body', request: post('/me', form({ access_token: 'garbage' }), { ...FORM, ...bearer('garbage') }), expected: invalidRequest(/one mechanism/) },
];

// ---------------------------------------------------------------------------------------------------------------
// RP-initiated logout.

const END_SESSION_CASES: Case[] = [
  { name: 'a garbage id_token_hint', request: { path: '/session/end?id_token_hint=garbage' }, expected: invalidRequest(/id_token_hint/) },
  { name: 'an unknown client_id', request: { path: '/session/end?client_id=nobody.test' }, expected: { status: 400, error: 'invalid_client' } },
  { name: 'client_id twice', request: { path: '/session/end?client_id=webapp.test&client_id=webapp.test' }, expected: invalidRequest(/'client_id' parameter must not be provided twice/) },
  {
    name: 'an unregistered post_logout_redirect_uri',
    request: { path: `/session/end?${form({ client_id: 'webapp.test', post_logout_redirect_uri: 'https://evil.test/' })}` },
    expected: { ...invalidRequest(/post_logout_redirect_uri not registered/), location: false },
  },
  { name: 'confirming without the xsrf token', request: post('/session/end/confirm', form({ logout: 'yes' })), expected: invalidRequest(/logout details/) },
  { name: 'confirming with a garbage xsrf token', request: post('/session/end/confirm', form({ xsrf: 'garbage', logout: 'yes' })), expected: invalidRequest(/logout details/) },
  { name: 'the success page for an unknown client', request: { path: '/session/end/success?client_id=nobody.test' }, expected: { status: 400, error: 'invalid_client' } },
];

// ---------------------------------------------------------------------------------------------------------------
// The login pages. Their errors are pages for a person, so these check the status and the page shown.

const EXPIRED: Expected = { status: 400, page: /sign-in link has expired/ };
const FORGED: Expected = { status: 403, page: /form could not be accepted/ };
const LOGIN_AGAIN: Expected = { status: 401, page: /^Sign in$/ };
const withSession = ({ interaction }: Setup, body: string, path = `${interaction.path}/login`): RawRequest =>
  post(path, body, { ...FORM, cookie: interaction.cookie });
const credentials = ({ interaction }: Setup, fields: Array<[string, string]>) => form([['csrf', interaction.csrf], ...fields]);

const INTERACTION_CASES: Case[] = [
  { name: 'an unknown uid', request: { path: '/interaction/unknown-uid' }, expected: EXPIRED },
  { name: 'a uid with a broken percent-encoding', request: { path: '/interaction/%E0%A4%A' }, expected: EXPIRED },
  { name: 'a NUL byte as uid', request: { path: '/interaction/%00' }, expected: EXPIRED },
  ...(['login', 'confirm', 'abort'] as const).map((step) => ({
    name: `${step} for an unknown uid without csrf`,
    request: post(`/interaction/unknown-uid/${step}`, form({ username: 'alice', password: 'x' })),
    expected: FORGED,
  })),
  { name: 'login with a broken percent-encoding in the uid', request: post('/interaction/%/login', ''), expected: FORGED },
  { name: 'login as JSON', request: post('/interaction/unknown-uid/login', '{"csrf":"x"}', { 'content-type': 'application/json' }), expected: FORGED },
  { name: 'login as multipart', request: post('/interaction/unknown-uid/login', multipart('csrf=x'), {}), expected: FORGED },
  { name: 'a 2 MB login form', request: post('/interaction/unknown-uid/login', form({ username: TWO_MEGABYTES })), expected: { status: 413, page: /could not be completed/ } },
  { name: 'login in progress: no csrf', request: (s) => withSession(s, form({ username: 'alice', password: 'x' })), expected: FORGED },
  { name: 'login in progress: a wrong csrf', request: (s) => withSession(s, form({ csrf: 'forged', username: 'alice', password: 'x' })), expected: FORGED },
  { name: 'login in progress: csrf twice', request: (s) => withSession(s, form([['csrf', s.interaction.csrf], ['csrf', s.interaction.csrf], ['username', 'alice']])), expected: FORGED },
  { name: 'login in progress: its csrf at another uid', request: (s) => withSession(s, credentials(s, [['username', 'alice']]), '/interaction/another-uid/login'), expected: FORGED },
  { name: 'login in progress: no cookie', request: (s) => post(`${s.interaction.path}/login`, credentials(s, [['username', 'alice'], ['password', 'x']])), expected: EXPIRED },
  {
    name: 'login in progress: a tampered cookie',
    request: (s) => post(`${s.interaction.path}/login`, credentials(s, [['username', 'alice']]), { ...FORM, cookie: s.interaction.cookie.replace(/=([^;]{4})/g, '=XXXX') }),
    expected: EXPIRED,
  },
  { name: 'login in progress: its cookie at another uid', request: (s) => ({ path: '/interaction/another-uid', headers: { cookie: s.interaction.cookie } }), expected: EXPIRED },
  { name: 'login in progress: no username or password', request: (s) => withSession(s, credentials(s, [])), expected: LOGIN_AGAIN },
  { name: 'login in progress: array and object fields', request: (s) => withSession(s, credentials(s, [['username[]', 'alice'], ['password[x]', 'y']])), expected: LOGIN_AGAIN },
  { name: 'login in progress: NUL bytes', request: (s) => withSession(s, credentials(s, [['username', 'al\0ice'], ['password', '\0']])), expected: LOGIN_AGAIN },
  { name: 'login in progress: broken percent-encodings', request: (s) => withSession(s, `${credentials(s, [])}&username=%E0%A4%A&password=%zz`), expected: LOGIN_AGAIN },
  { name: 'login in progress: a 20 kB password', request: (s) => withSession(s, credentials(s, [['username', 'alice'], ['password', 'p'.repeat(20_000)]])), expected: { status: 413, page: /could not be completed/ } },
  {
    name: 'login in progress: consent posted at the login step',
    request: (s) => withSession(s, credentials(s, []), `${s.interaction.path}/confirm`),
    expected: { status: 303 },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Methods and paths: an endpoint asked with a method it does not serve says so (RFC 9110 §15.5.6: 405 with Allow);
// a path that does not exist is a 404, however it is spelled.

const WRONG_METHOD_CASES: Case[] = ([
  ['GET', '/token', 'POST'],
  ['PUT', '/token', 'POST'],
  ['DELETE', '/token', 'POST'],
  ['GET', '/token/introspection', 'POST'],
  ['GET', '/token/revocation', 'POST'],
  ['POST', '/jwks', 'GET'],
  ['POST', '/.well-known/openid-configuration', 'GET'],
  // RFC 8414 §3: oidc-provider serves the authorization server metadata too; the health probes are Purser's own.
  ['POST', '/.well-known/oauth-authorization-server', 'GET, HEAD'],
  ['POST', '/healthz', 'GET, HEAD'],
  ['DELETE', '/readyz', 'GET, HEAD'],
  // Served on the app itself here (no PURSER_METRICS_PORT).
  ['POST', '/metrics', 'GET, HEAD'],
  ['GET', '/interaction/unknown-uid/login', 'POST'],
  // The device flow's pages (RFC 8628 §3.3) and oidc-provider's other routes.
  ['PUT', '/device', 'GET, POST'],
  ['DELETE', '/device', 'GET, POST'],
  ['PUT', '/device/auth', 'POST'],
  ['POST', '/device/unknown-uid', 'GET'],
  ['PUT', '/auth/unknown-uid', 'GET'],
  ['GET', '/session/end/confirm', 'POST'],
  ['POST', '/session/end/success', 'GET'],
] as const).map(([method, path, allow]) => ({ name: `${method} ${path}`, request: { method, path }, expected: { status: 405, allow } }));

const UNKNOWN_PATH_CASES: Case[] = ['/nope', '/.well-known/nope', '/token/nope', '/%E0%A4%A', '/token%zz', '/interaction'].map((path) => ({
  name: path,
  request: { path },
  expected: { status: 404 },
}));

// ---------------------------------------------------------------------------------------------------------------
// Content codings: one rule for every endpoint, RFC 9110 §15.5.16 — 415 with Accept-Encoding: identity, whether the
// body really is encoded or not, before anything else (CSRF, client authentication) is looked at.

const bytes = (buffer: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buffer);
const ENCODINGS: Array<[string, string, (body: string) => string | Uint8Array<ArrayBuffer>]> = [
  ['a gzip body', 'gzip', (body) => bytes(gzipSync(body))],
  ['gzip with a plain body', 'gzip', (body) => body],
  ['a deflate body', 'deflate', (body) => bytes(deflateSync(body))],
  ['a br body', 'br', (body) => bytes(brotliCompressSync(body))],
  ['an unknown coding', 'x-bogus', (body) => body],
  ['gzip then identity', 'gzip, identity', (body) => bytes(gzipSync(body))],
  ['identity then gzip', 'identity, gzip', (body) => bytes(gzipSync(body))],
  ['GZIP in capitals', 'GZIP', (body) => bytes(gzipSync(body))],
];

const ENCODED_ENDPOINTS: Array<{ name: string; path: string | ((s: Setup) => string); body: string; headers?: (s: Setup) => Record<string, string>; page?: true }> = [
  ...FORM_ENDPOINTS.map(({ path, body, headers }) => ({ name: path, path, body, headers: () => headers })),
  { name: '/auth', path: '/auth', body: authPath().slice('/auth?'.length), page: true },
  { name: '/session/end', path: '/session/end', body: form({ client_id: 'webapp.test' }), page: true },
  ...(['login', 'confirm', 'abort'] as const).map((step) => ({
    name: `/interaction/:uid/${step} in progress`,
    path: (s: Setup) => `${s.interaction.path}/${step}`,
    body: '',
    headers: (s: Setup) => ({ cookie: s.interaction.cookie }),
    page: true as const,
  })),
];

const CONTENT_ENCODING_CASES: Case[] = ENCODED_ENDPOINTS.flatMap(({ name, path, body, headers, page }) =>
  ENCODINGS.map(([label, coding, encode]) => ({
    name: `${name}: ${label} (RFC 9110 §15.5.16)`,
    request: (s: Setup) => {
      const form = body || credentials(s, [['username', 'alice'], ['password', 'x']]);
      // A browser asks for HTML; the one renderer answers the pages' refusals with the error page only then.
      const accept: Record<string, string> = page ? { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } : {};
      return post(typeof path === 'string' ? path : path(s), encode(form) as string, { ...FORM, ...accept, ...headers?.(s), 'content-encoding': coding });
    },
    expected: page
      ? { status: 415, page: /^Something went wrong$/, error: 'invalid_request', headers: { 'accept-encoding': /^identity$/, 'cache-control': /^no-store$/, pragma: /^no-cache$/ } }
      : { status: 415, error: 'invalid_request', description: new RegExp(`^${CONTENT_ENCODING_DESCRIPTION.replace(/[()]/g, '\\$&')}$`), headers: { 'accept-encoding': /^identity$/, 'cache-control': /^no-store$/, pragma: /^no-cache$/ } },
  })),
);

// ---------------------------------------------------------------------------------------------------------------

let setup: Promise<Setup> | undefined;

/** Real tokens and an interaction in progress, made once per file (the cases never complete the interaction). */
function fixtures(): Promise<Setup> {
  setup ??= (async () => {
    const accessToken = async (request: RawRequest) => (JSON.parse((await call(request)).text) as { access_token: string }).access_token;
    const reportsJwt = await accessToken(tokenRequest({ grant_type: 'client_credentials' }));
    const ledgerToken = await accessToken(tokenRequest([['grant_type', 'client_credentials'], ...LEDGER_POST], {}));
    const started = await call({ path: authPath() });
    const cookie = started.headers.getSetCookie().map((header) => header.split(';')[0]).join('; ');
    const path = started.headers.get('location')!;
    const page = await call({ path, headers: { cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!csrf) throw new Error(`no login form at ${path}: ${page.status} ${page.text.slice(0, 300)}`);
    return { reportsJwt, ledgerToken, interaction: { path, cookie, csrf } };
  })();
  return setup;
}

const resolve = async ({ request }: Pick<Case, 'request'>): Promise<RawRequest> => (typeof request === 'function' ? request(await fixtures()) : request);
const run = (cases: Case[]) => it.each(cases)('$name', async (testCase) => expectAnswer(await call(await resolve(testCase)), testCase.expected));

describe('client authentication at /token, /token/introspection and /token/revocation', () => run(CLIENT_AUTH_CASES));
describe('request bodies other than a form', () => run(MEDIA_TYPE_CASES));
describe('oversized request bodies', () => run(HUGE_BODY_CASES));
describe('token endpoint parameters', () => run(TOKEN_CASES));
describe('introspection and revocation', () => run(INTROSPECTION_REVOCATION_CASES));
describe('authorization endpoint', () => {
  run(AUTHORIZATION_CASES);

  it('echoes the state with every error it sends back to the client', async () => {
    for (const { request } of AUTHORIZATION_CASES.filter((c) => c.expected.location === REDIRECT_URI)) {
      const location = (await call(await resolve({ request }))).headers.get('location')!;
      const url = new URL(location);
      expect(new URLSearchParams(url.hash.slice(1) || url.search).get('state'), location).toBe('xyz');
    }
  });
});
describe('userinfo', () => run(USERINFO_CASES));
describe('end session', () => {
  run(END_SESSION_CASES);

  it('never follows a post_logout_redirect_uri that comes without a client', async () => {
    const browser = new Browser();
    const url = `${context.server.issuer}/session/end?${form({ post_logout_redirect_uri: 'https://evil.test/', state: 's' })}`;
    const done = await browser.follow(await browser.submit(await browser.get(url)), 'https://evil.test');
    expect(done.location ?? done.url).not.toMatch(/^https:\/\/evil\.test/);
    expect(done.status).toBe(200);
    expect(done.body).toMatch(/signed out/i);
  });
});
describe('interaction pages', () => run(INTERACTION_CASES));
describe('content-encoded bodies', () => run(CONTENT_ENCODING_CASES));
describe('methods and paths', () => {
  run(WRONG_METHOD_CASES);
  run(UNKNOWN_PATH_CASES);
});

describe('requests that are odd but acceptable', () => {
  it('ignores refresh-token parameters on client_credentials, and issues no refresh token (RFC 6749 §3.2, §4.4.3)', async () => {
    const answer = await call(tokenRequest({ grant_type: 'client_credentials', refresh_token: 'abc', scope: 'reports:read' }));
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'reports:read', access_token: expect.any(String) });
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('serves discovery and the JWKS whatever the query, and the JWKS holds no private key material', async () => {
    const discovery = await call({ path: '/.well-known/openid-configuration?%zz=%' });
    expect(discovery.status).toBe(200);
    const jwks = await call({ path: '/jwks?%zz' });
    expect(jwks.status).toBe(200);
    const { keys } = JSON.parse(jwks.text) as { keys: Array<Record<string, unknown>> };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member);
  });
});

describe("revoking another client's token", () => {
  it('refuses, and leaves the token active (RFC 7009 §2.1: "the request is refused and the client is informed of the error")', async () => {
    const { ledgerToken } = await fixtures();
    const revocation = await call(post('/token/revocation', form({ token: ledgerToken }), { ...FORM, ...REPORTS }));
    const introspection = await call(post('/token/introspection', form([['token', ledgerToken], ...LEDGER_POST])));
    expect(JSON.parse(introspection.text)).toMatchObject({ active: true, client_id: 'ledger.test' });
    expectAnswer(revocation, { status: 400, error: 'invalid_grant', description: /another client|different client/ });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The sweep: every case above, plus requests whose exact answer is not pinned down here, must get no 5xx and must
// not carry a secret back, in the body or in a header.

const gzipped = new Uint8Array(gzipSync(form({ grant_type: 'client_credentials' })));
const UNPINNED: RawRequest[] = [
  post('/auth', authPath().slice('/auth?'.length)),
  post('/auth', JSON.stringify({ client_id: 'webapp.test' }), { 'content-type': 'application/json' }),
  post('/auth', `client_id=webapp.test&state=${TWO_MEGABYTES}`),
  post('/session/end', form({ client_id: 'webapp.test' })),
  { method: 'POST', path: '/token', headers: { ...FORM, ...REPORTS, 'content-encoding': 'gzip' }, body: gzipped },
  post('/token', form({ grant_type: 'client_credentials' }), { 'content-type': 'application/x-www-form-urlencoded; charset=bogus', ...REPORTS }),
  post('/token', form({ grant_type: 'client_credentials' }), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16', ...REPORTS }),
  { method: 'HEAD', path: '/token' },
  { method: 'OPTIONS', path: '/token', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } },
  { path: '/session/end?id_token_hint=eyJhbGciOiJub25lIn0.eyJhdWQiOiJub2JvZHkifQ.' },
  { path: '/auth/unknown-uid' },
];

const ALL_REQUESTS: Array<Pick<Case, 'name' | 'request'>> = [
  ...CLIENT_AUTH_CASES,
  ...MEDIA_TYPE_CASES,
  ...HUGE_BODY_CASES,
  ...TOKEN_CASES,
  ...INTROSPECTION_REVOCATION_CASES,
  ...AUTHORIZATION_CASES,
  ...USERINFO_CASES,
  ...END_SESSION_CASES,
  ...INTERACTION_CASES,
  ...CONTENT_ENCODING_CASES,
  ...WRONG_METHOD_CASES,
  ...UNKNOWN_PATH_CASES,
  ...UNPINNED.map((request) => ({ name: `${request.method ?? 'GET'} ${request.path.slice(0, 60)}`, request })),
];

describe('the sweep', () => {
  it(`answers all ${ALL_REQUESTS.length} bad requests with less than a 500, and echoes no secret`, async () => {
    const secrets = [...Object.values(SECRETS), WRONG_SECRET];
    const failures: string[] = [];
    for (const testCase of ALL_REQUESTS) {
      const answer = await call(await resolve(testCase));
      const echoed = [answer.text, ...[...answer.headers].map(([name, value]) => `${name}: ${value}`)].join('\n');
      if (answer.status >= 500) failures.push(`${testCase.name}: ${answer.status} ${answer.text.slice(0, 200)}`);
      const leaked = secrets.filter((secret) => echoed.includes(secret) || echoed.includes(encodeURIComponent(secret)));
      if (leaked.length) failures.push(`${testCase.name}: the answer contains a client secret`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
