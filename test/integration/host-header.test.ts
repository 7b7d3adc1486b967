// Host header injection: the absolute URLs Purser writes (discovery's endpoints, the URL a finished login resumes at)
// come from PURSER_ISSUER whatever Host a caller sends; behind a trusted proxy (PURSER_TRUST_PROXY) they come from
// the proxy's X-Forwarded-Host and X-Forwarded-Proto, as a proxy that does not preserve Host needs.
import { request } from 'node:http';

import * as oidc from 'openid-client';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { fetchVia } from '../support/raw-http.ts';
import { uniquePrefix } from '../support/redis.ts';
import { REDIRECT_URI, relyingParty } from '../support/rp.ts';

let server: TestServer | undefined;
afterEach(async () => server?.close());

async function start(name: string, flags: string[] = []): Promise<TestServer> {
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix(name), fixtures: await writeFixtures(), flags });
  return server;
}

/** The endpoints discovery lists, fetched with `headers` (a forged Host, or a proxy's X-Forwarded-*). */
async function discoveredEndpoints(url: string, headers: Record<string, string>): Promise<string[]> {
  const response = await fetchVia(url)(`${url}/.well-known/openid-configuration`, { headers });
  const discovery = (await response.json()) as Record<string, unknown>;
  return Object.entries(discovery).filter(([name]) => name.endsWith('_endpoint') || name === 'jwks_uri').map(([, value]) => String(value));
}

/**
 * The endpoints discovery lists when asked with an absolute-form request-target (RFC 9112 §3.2.2, `GET
 * http://evil.example/.well-known/openid-configuration HTTP/1.1`), which names a host of its own beside Host.
 */
function discoveredViaAbsoluteForm(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, path: 'http://evil.example/.well-known/openid-configuration', headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk)).on('error', reject).on('end', () => {
        const discovery = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        resolve(Object.entries(discovery).filter(([name]) => name.endsWith('_endpoint') || name === 'jwks_uri').map(([, value]) => String(value)));
      });
    });
    outgoing.on('error', reject).end();
  });
}

/** Signs alice in with a browser that sends `headers` on every request; returns where the login page sends it next. */
async function loginRedirect(issuer: string, url: string, headers: Record<string, string>): Promise<{ location: string; browser: Browser }> {
  const rp = await relyingParty(issuer, 'firstparty.test');
  const authorization = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'host-test' });
  const browser = new Browser({ fetch: fetchVia(url) });
  Object.assign(browser.headers, headers);
  const loginPage = await browser.follow(await browser.get(authorization.href), REDIRECT_URI);
  const afterLogin = await browser.submit(loginPage, { username: ALICE.username, password: ALICE.password });
  return { location: new URL(afterLogin.location!, afterLogin.url).href, browser };
}

describe('Host header injection', () => {
  it('without a trusted proxy, discovery lists endpoints under the issuer whatever Host the caller sends', async () => {
    const { issuer, url } = await start('host-discovery');
    const endpoints = await discoveredEndpoints(url, { host: 'evil.example' });
    expect(endpoints.length).toBeGreaterThan(3);
    for (const endpoint of endpoints) expect(endpoint.startsWith(`${issuer}/`), endpoint).toBe(true);
  });

  it('an absolute-form request-target (RFC 9112 §3.2.2) names no host either: discovery stays under the issuer, or the trusted proxy\'s X-Forwarded-Host', async () => {
    const { issuer, url } = await start('host-absolute-form');
    const endpoints = await discoveredViaAbsoluteForm(url);
    expect(endpoints.length).toBeGreaterThan(3);
    for (const endpoint of endpoints) expect(endpoint.startsWith(`${issuer}/`), endpoint).toBe(true);
    await server!.close();
    server = undefined;
    const behindProxy = await start('host-absolute-form-proxy', ['--trust-proxy']);
    for (const endpoint of await discoveredViaAbsoluteForm(behindProxy.url, { 'x-forwarded-host': 'auth.example.com', 'x-forwarded-proto': 'https' })) {
      expect(endpoint.startsWith('https://auth.example.com/'), endpoint).toBe(true);
    }
  });

  it('without a trusted proxy, a login resumes at the issuer, not at a forged Host, and the code reaches the client', async () => {
    const { issuer, url } = await start('host-resume');
    const { location, browser } = await loginRedirect(issuer, url, { host: 'evil.example' });
    expect(location.startsWith(`${issuer}/auth/`), location).toBe(true);
    const callback = await browser.follow(await browser.get(location), REDIRECT_URI);
    expect(new URL(callback.location!).searchParams.get('code')).toEqual(expect.any(String));
  });

  it('behind a trusted proxy that rewrites Host, X-Forwarded-Host and X-Forwarded-Proto name the origin of discovery and of the resume URL', async () => {
    const { issuer, url } = await start('host-proxy', ['--trust-proxy']);
    const proxy = { host: new URL(url).host, 'x-forwarded-host': 'auth.example.com', 'x-forwarded-proto': 'https' };
    for (const endpoint of await discoveredEndpoints(url, proxy)) expect(endpoint.startsWith('https://auth.example.com/'), endpoint).toBe(true);
    const { location } = await loginRedirect(issuer, url, proxy);
    expect(location.startsWith('https://auth.example.com/auth/'), location).toBe(true);
  });
});
