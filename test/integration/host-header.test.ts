// Host header injection: the absolute URLs Purser writes (discovery's endpoints, the URL a finished login resumes at)
// come from PURSER_ISSUER whatever Host a caller sends; behind a trusted proxy (PURSER_TRUST_PROXY) they come from
// the proxy's X-Forwarded-Host and X-Forwarded-Proto, as a proxy that does not preserve Host needs.
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
