// The steps of the client_credentials fast path (src/server/fast-token/), without a server: which requests it reads,
// how it reads and hands back a form, which client authentications it recognises, what it decides, and that the
// tokens it issues are the ones oidc-provider's own model issues (header bytes, claim names and order).
import { createPublicKey, verify } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';

import Koa from 'koa';

import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';

import { JWT_BEARER_ASSERTION } from '../../src/server/workload/authenticate.ts';
import { presentedCredentials } from '../../src/server/fast-token/authenticate.ts';
import { decide } from '../../src/server/fast-token/decide.ts';
import { eligibleRequest } from '../../src/server/fast-token/eligible.ts';
import { CLIENT_CREDENTIALS_FORM, handBack, parseForm, readBody } from '../../src/server/fast-token/form.ts';
import { issuerFor } from '../../src/server/fast-token/issue.ts';
import { respond } from '../../src/server/fast-token/respond.ts';
import { generateSigningKeys } from '../../src/server/provider/keys.ts';
import type { ApiRecord, ClientPolicy } from '../../src/store/types.ts';

const FORM = 'application/x-www-form-urlencoded';
const request = (headers: Record<string, string>, { method = 'POST', path = '/token', querystring = '' } = {}) =>
  ({ method, path, querystring, req: { headers } }) as never;

describe('eligibleRequest: what the fast path reads', () => {
  it('reads a POST /token form of a known length, with or without a UTF-8 charset', () => {
    expect(eligibleRequest(request({ 'content-type': FORM, 'content-length': '29' }))).toEqual({ length: 29, charset: undefined });
    expect(eligibleRequest(request({ 'content-type': `${FORM};charset=UTF-8`, 'content-length': '0' }))).toEqual({ length: 0, charset: 'utf-8' });
  });

  it.each([
    ['another method', request({ 'content-type': FORM, 'content-length': '1' }, { method: 'GET' })],
    ['another path', request({ 'content-type': FORM, 'content-length': '1' }, { path: '/token/introspection' })],
    ['a query string', request({ 'content-type': FORM, 'content-length': '1' }, { querystring: 'a=b' })],
    ['JSON', request({ 'content-type': 'application/json', 'content-length': '1' })],
    ['another charset', request({ 'content-type': `${FORM}; charset=iso-8859-1`, 'content-length': '1' })],
    ['no length (chunked)', request({ 'content-type': FORM, 'transfer-encoding': 'chunked' })],
    ['a length over 56 KiB', request({ 'content-type': FORM, 'content-length': String(56 * 1024 + 1) })],
    ['a DPoP proof (RFC 9449)', request({ 'content-type': FORM, 'content-length': '1', dpop: 'x' })],
    ['an Origin (CORS)', request({ 'content-type': FORM, 'content-length': '1', origin: 'https://a.test' })],
    ['a client attestation', request({ 'content-type': FORM, 'content-length': '1', 'oauth-client-attestation': 'x' })],
  ])('leaves %s to oidc-provider, unread', (_label, ctx) => {
    expect(eligibleRequest(ctx)).toBeUndefined();
  });
});

describe('the form', () => {
  const stream = (chunks: string[], end = true) => {
    const req = new PassThrough();
    for (const chunk of chunks) req.write(chunk);
    if (end) req.end();
    return req as unknown as IncomingMessage;
  };

  it('is read whole, as text', async () => {
    expect(await readBody(stream(['grant_type=client', '_credentials']), { length: 29, charset: undefined })).toBe('grant_type=client_credentials');
  });

  it('is refused when its size is not the declared one', async () => {
    await expect(readBody(stream(['abc']), { length: 4, charset: undefined })).rejects.toThrow(/did not match/);
  });

  it('keeps each known parameter once; a repeated, empty or unknown one leaves the request to oidc-provider', () => {
    expect(parseForm('grant_type=client_credentials&scope=a+b&resource=https%3A%2F%2Fa.test', CLIENT_CREDENTIALS_FORM)).toEqual({ grant_type: 'client_credentials', scope: 'a b', resource: 'https://a.test' });
    expect(parseForm('scope=a&scope=b', CLIENT_CREDENTIALS_FORM)).toBeUndefined();
    expect(parseForm('scope=', CLIENT_CREDENTIALS_FORM)).toBeUndefined();
    expect(parseForm('audience=x', CLIENT_CREDENTIALS_FORM)).toBeUndefined();
  });

  it('is handed back where oidc-provider reads a pre-read body, or as the failure reading it met', () => {
    const req = {} as IncomingMessage & { body?: string };
    handBack(req, 'a=b');
    expect(req.body).toBe('a=b');
    const failed = {} as IncomingMessage & { body?: string };
    handBack(failed, new Error('request size did not match content length'));
    expect(() => failed.body).toThrow(/did not match/);
  });
});

describe('presentedCredentials: one client authentication, as oidc-provider reads it (RFC 6749 §2.3.1)', () => {
  const basic = (value: string) => `Basic ${Buffer.from(value).toString('base64')}`;

  it('reads client_secret_basic, form-urlencoded inside', () => {
    expect(presentedCredentials(basic('a.b:s%3Ac+d'), {})).toEqual({ clientId: 'a.b', secret: 's:c d', method: 'client_secret_basic' });
    expect(presentedCredentials(basic('a.b:s'), { client_id: 'a.b' })).toMatchObject({ method: 'client_secret_basic' });
  });

  it('reads client_secret_post and a ServiceAccount assertion (RFC 7523 §2.2)', () => {
    expect(presentedCredentials(undefined, { client_id: 'a.b', client_secret: 's' })).toEqual({ clientId: 'a.b', secret: 's', method: 'client_secret_post' });
    expect(presentedCredentials(undefined, { client_id: 'a.b', client_assertion: 'x.y.z', client_assertion_type: JWT_BEARER_ASSERTION })).toEqual({ clientId: 'a.b', token: 'x.y.z', method: 'service_account' });
  });

  it.each([
    ['two mechanisms', basic('a.b:s'), { client_secret: 's' }],
    ['a client_id other than the Basic one', basic('a.b:s'), { client_id: 'c.d' }],
    ['another scheme', 'Bearer abc', {}],
    ['unpadded Base64', basic('a.b:s').replace(/=+$/, ''), {}],
    ['an empty secret', basic('a.b:'), {}],
    ['no colon', basic('a.b'), {}],
    ['a bad percent-encoding', basic('a.b:%zz'), {}],
    ['a control character', basic('a.b:%0A'), {}],
    ['nothing', undefined, {}],
    ['a client_id alone', undefined, { client_id: 'a.b' }],
    ['an assertion of another type', undefined, { client_id: 'a.b', client_assertion: 'x.y.z', client_assertion_type: 'urn:other' }],
  ])('leaves %s to oidc-provider', (_label, authorization, form) => {
    expect(presentedCredentials(authorization, form)).toBeUndefined();
  });
});

describe('decide: the token a client_credentials request gets', () => {
  const policy: ClientPolicy = {
    scopes: ['a:read', 'a:write', 'openid'],
    audiences: ['https://a.test', 'https://b.test'],
    accessTokenFormat: 'jwt',
    refreshTokenReuseGracePeriod: 0,
    requirePkce: true,
    skipConsent: false,
    corsOrigins: [],
  };
  const client = (overrides: object = {}) =>
    ({ clientId: 'app.ns', grantTypeAllowed: (type: string) => type === 'client_credentials', purser: { policy, secrets: [], owner: 'ns/app' }, ...overrides }) as never;
  const api = (scopes: string[], admitted: string[], accessToken?: ApiRecord['accessToken']) =>
    ({ audience: 'https://a.test', api: 'ns/a', scopes, clients: { 'app.ns': { clientCredentials: admitted, userDelegated: [] } }, serviceAccounts: {}, resourceServers: [], accessToken }) as unknown as ApiRecord;
  const open = { apis: undefined, accessTokenTtl: () => 600 };

  it('gives the first audience and the scopes asked for, in open tenancy', async () => {
    expect(await decide(client(), undefined, { scope: 'a:write a:read' }, open)).toEqual({ audience: 'https://a.test', scope: 'a:write a:read', format: 'jwt', ttl: 600 });
    expect(await decide(client(), undefined, { resource: 'https://b.test' }, open)).toEqual({ audience: 'https://b.test', scope: undefined, format: 'jwt', ttl: 600 });
  });

  it('narrows to what the OAuthAPI admits and takes its format and lifetime, with enforced tenancy', async () => {
    const apis = async () => api(['a:read', 'a:write'], ['a:read', 'a:write'], { format: 'opaque', ttl: 60 });
    expect(await decide(client(), undefined, { scope: 'a:read' }, { ...open, apis })).toEqual({ audience: 'https://a.test', scope: 'a:read', format: 'opaque', ttl: 60 });
  });

  it.each([
    ['a scope off the allow-list', {}, { scope: 'a:delete' }],
    ['an OpenID Connect scope', {}, { scope: 'openid' }],
    ['a scope named twice', {}, { scope: 'a:read a:read' }],
    ['a scope of bad syntax (RFC 6749 §3.3)', {}, { scope: 'a:read  a:write' }],
    ['an audience not listed', {}, { resource: 'https://c.test' }],
    ['a client without the grant type', { grantTypeAllowed: () => false }, {}],
    ['a client whose tokens must be DPoP-bound', { dpopBoundAccessTokens: true }, {}],
  ])('leaves %s to oidc-provider', async (_label, overrides, form) => {
    expect(await decide(client(overrides), undefined, form, open)).toBeUndefined();
  });

  it.each([
    ['no OAuthAPI for the audience', undefined],
    ['a scope the OAuthAPI does not admit', api(['a:read', 'a:write'], ['a:read'])],
    ['an audience that admits the client nothing', api(['a:read', 'a:write'], [])],
  ])('leaves %s to oidc-provider, with enforced tenancy', async (_label, record) => {
    expect(await decide(client(), undefined, { scope: 'a:write' }, { ...open, apis: async () => record })).toBeUndefined();
  });
});

describe('issuerFor: the tokens oidc-provider would issue', () => {
  const jwks = generateSigningKeys();
  const provider = new Provider('https://issuer.test', {
    jwks: jwks as never,
    clients: [{ client_id: 'app.ns', client_secret: 'secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
    features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
  });
  const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString()) as Record<string, unknown>;

  /** oidc-provider's own ClientCredentials model, saved outside any request: the JWT it signs. */
  async function libraryToken(scope: string | undefined): Promise<string> {
    const client = await provider.Client.find('app.ns');
    const token = new provider.ClientCredentials({ client: client!, scope });
    token.resourceServer = new provider.ResourceServer('https://a.test', { scope: 'a:read', audience: 'https://a.test', accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } } as never);
    return (await token.save()) as string;
  }

  it('signs an ES256 at+jwt with the header bytes and the claim order of oidc-provider (RFC 9068 §2)', async () => {
    const issue = issuerFor(provider)!;
    const { value } = await issue('app.ns', undefined, { audience: 'https://a.test', scope: 'a:read', format: 'jwt', ttl: 600 });
    const library = await libraryToken('a:read');
    const [header, claims, signature] = value.split('.') as [string, string, string];
    expect(header).toBe(library.split('.')[0]);
    expect(Object.keys(decode(claims))).toEqual(Object.keys(decode(library.split('.')[1]!)));
    const { jti: _a, iat: _b, exp: _c, ...rest } = decode(claims);
    const { jti: _d, iat: _e, exp: _f, ...expected } = decode(library.split('.')[1]!);
    expect(rest).toEqual(expected);
    const es256 = jwks.keys.find((key) => key.alg === 'ES256')!;
    expect(verify('sha256', Buffer.from(`${header}.${claims}`), { key: createPublicKey({ key: es256 as never, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('leaves the scope claim out when the token carries none, as oidc-provider does', async () => {
    const { value } = await issuerFor(provider)!('app.ns', undefined, { audience: 'https://a.test', scope: undefined, format: 'jwt', ttl: 600 });
    expect(Object.keys(decode(value.split('.')[1]!))).toEqual(Object.keys(decode((await libraryToken(undefined)).split('.')[1]!)));
    expect(decode(value.split('.')[1]!)).not.toHaveProperty('scope');
  });

  it("emits the token event oidc-provider's model would (client_credentials.issued for a JWT), then grant.success", async () => {
    const events: [string, Record<string, unknown>][] = [];
    const record = (name: string) => (subject: Record<string, unknown>) => events.push([name, subject]);
    const emitter = provider as unknown as NodeJS.EventEmitter;
    emitter.on('client_credentials.issued', record('issued'));
    emitter.on('grant.success', record('success'));
    try {
      await libraryToken('a:read');
      const client = await provider.Client.find('app.ns');
      const decision = { audience: 'https://a.test', scope: 'a:read', format: 'jwt' as const, ttl: 600 };
      const issued = await issuerFor(provider)!('app.ns', undefined, decision);
      const req = new IncomingMessage(new Socket());
      const ctx = new Koa().createContext(req, new ServerResponse(req));
      respond(ctx, provider, { grant_type: 'client_credentials', scope: 'a:read' }, client!, decision, issued);
      const [[, library], [, fast], [, success]] = events as [[string, Record<string, unknown>], [string, Record<string, unknown>], [string, { oidc: Record<string, unknown> }]];
      expect(events.map(([name]) => name)).toEqual(['issued', 'issued', 'success']);
      const shape = (token: Record<string, unknown>) => ({ kind: token.kind, clientId: token.clientId, aud: token.aud, scope: token.scope, lifetime: (token.exp as number) - (token.iat as number), jti: typeof token.jti });
      expect(shape(fast)).toEqual({ ...shape(library), lifetime: 600 });
      expect(fast.jti).toBe(issued.jti);
      expect(success.oidc).toMatchObject({ route: 'token', params: { grant_type: 'client_credentials' }, client });
      expect(ctx.response.get('Cache-Control')).toBe('no-store');
      expect(ctx.body).toEqual({ access_token: issued.value, expires_in: 600, scope: 'a:read', token_type: 'Bearer' });
    } finally {
      emitter.removeAllListeners('client_credentials.issued');
      emitter.removeAllListeners('grant.success');
    }
  });
});
