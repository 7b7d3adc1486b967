// A relying party from the Go ecosystem: oauth2-proxy (pinned release, built by scripts/oauth2-proxy.sh) in front of
// a tiny upstream, with its `oidc` provider discovering a real Purser. A browser session goes through it end to end:
// proxy → Purser's login and consent pages → callback → upstream with the user's headers → cookie refresh →
// sign-out through Purser's end_session endpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser, type Page } from '../support/browser.ts';
import { cachedTool, PROVISION_TIMEOUT_MS } from '../support/cached-tool.ts';
import { stopChild } from '../support/child-process.ts';
import { ALICE } from '../support/purser.ts';
import { signIn } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

// The port of the client's registered redirect URI (test/fixtures/clients/relying-parties.yaml).
const PROXY = 'http://127.0.0.1:47180';
const CLIENT_ID = 'oauth2-proxy.test';
const CLIENT_SECRET = 'oauth2-proxy-secret-0123456789abcdefghijkl';
const COOKIE_REFRESH_MS = 1000;

const context = usePurser('oauth2-proxy');

/** The application behind the proxy: answers every request with the headers it received, and keeps them. */
function startUpstream(received: IncomingHttpHeaders[]): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    received.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ upstream: true, path: request.url }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${address.port}/` });
  }));
}

/** The flags the README's "Use Purser with… oauth2-proxy" section gives, for this test's addresses. */
function proxyFlags(issuer: string, upstream: string): string[] {
  return [
    `--http-address=${new URL(PROXY).host}`,
    '--provider=oidc',
    `--oidc-issuer-url=${issuer}`,
    `--client-id=${CLIENT_ID}`,
    `--client-secret=${CLIENT_SECRET}`,
    `--redirect-url=${PROXY}/oauth2/callback`,
    `--upstream=${upstream}`,
    '--scope=openid profile email groups offline_access',
    '--prompt=consent',
    '--code-challenge-method=S256',
    '--insecure-oidc-skip-nonce=false',
    '--email-domain=*',
    '--pass-access-token=true',
    '--skip-provider-button=true',
    `--cookie-secret=${randomBytes(16).toString('hex')}`,
    '--cookie-secure=false', // plain http on 127.0.0.1
    `--cookie-refresh=${COOKIE_REFRESH_MS}ms`,
    `--whitelist-domain=${new URL(issuer).host}`, // sign-out may redirect to Purser's end_session endpoint
  ];
}

async function startProxy(binary: string, flags: string[]): Promise<ChildProcess> {
  const child = spawn(binary, flags, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`oauth2-proxy exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${PROXY}/ping`).then((response) => response.ok, () => false);
    if (ready) return child;
    await sleep(100);
  }
  await stopChild(child);
  throw new Error(`oauth2-proxy did not answer /ping within 10 s:\n${output}`);
}

const upstreamBody = (page: Page) => JSON.parse(page.body) as { upstream: boolean; path: string };

describe('oauth2-proxy (Go, oidc provider) as a relying party', () => {
  const received: IncomingHttpHeaders[] = [];
  const browser = new Browser();
  let upstream: { server: Server; url: string };
  let proxy: ChildProcess;

  beforeAll(async () => {
    const binary = await cachedTool('oauth2-proxy.sh');
    upstream = await startUpstream(received);
    proxy = await startProxy(binary, proxyFlags(context.server.issuer, upstream.url));
  }, PROVISION_TIMEOUT_MS);
  afterAll(async () => {
    if (proxy) await stopChild(proxy);
    upstream?.server.close();
  });

  it('signs the user in through the login and consent pages (PKCE S256, RFC 7636 §4) and passes who they are upstream', async () => {
    const page = await signIn(browser, `${PROXY}/app?x=1`);
    expect(page.status).toBe(200);
    expect(upstreamBody(page)).toEqual({ upstream: true, path: '/app?x=1' });
    const headers = received.at(-1)!;
    expect(headers['x-forwarded-user']).toBe(ALICE.username);
    expect(headers['x-forwarded-email']).toBe(ALICE.email);
    expect(headers['x-forwarded-preferred-username']).toBe(ALICE.username);
    expect(headers['x-forwarded-groups']).toContain(ALICE.groups[0]);
    // The access token the upstream receives is one Purser honours.
    const userinfo = await fetch(`${context.server.issuer}/me`, { headers: { authorization: `Bearer ${headers['x-forwarded-access-token']}` } });
    expect(await userinfo.json()).toMatchObject({ sub: ALICE.username, email: ALICE.email });
  });

  it('refreshes the session with the rotated refresh token once --cookie-refresh has passed (RFC 6749 §6)', async () => {
    const before = received.at(-1)!['x-forwarded-access-token'];
    // oauth2-proxy's own clock decides when a session is due: its age is taken from the current time truncated to
    // whole seconds, and must exceed --cookie-refresh.
    await sleep(COOKIE_REFRESH_MS + 1100);
    const page = await browser.get(`${PROXY}/after-refresh`);
    expect(page.status).toBe(200);
    const after = received.at(-1)!['x-forwarded-access-token'];
    expect(after).toEqual(expect.any(String));
    expect(after).not.toBe(before);
    expect(received.at(-1)!['x-forwarded-user']).toBe(ALICE.username);
    const userinfo = await fetch(`${context.server.issuer}/me`, { headers: { authorization: `Bearer ${after}` } });
    expect(userinfo.status).toBe(200);
  });

  it('keeps the user signed in through a burst of parallel requests that all refresh with one refresh token (reuseGracePeriod, RFC 9700 §4.14.2)', async () => {
    // A cookie session has no lock: every request that finds the session due refreshes it with the same token.
    await sleep(COOKIE_REFRESH_MS + 1100);
    const pages = await Promise.all(Array.from({ length: 5 }, (_, i) => browser.get(`${PROXY}/burst/${i}`)));
    expect(pages.map((page) => page.status)).toEqual([200, 200, 200, 200, 200]);
    const next = await browser.get(`${PROXY}/after-burst`);
    expect(next.status).toBe(200);
    expect(upstreamBody(next).path).toBe('/after-burst');
  });

  it("signs out through Purser's end_session endpoint (RP-Initiated Logout §2): the next visit asks for the password again", async () => {
    const endSession = new URL(`${context.server.issuer}/session/end`);
    endSession.searchParams.set('client_id', CLIENT_ID);
    endSession.searchParams.set('post_logout_redirect_uri', `${PROXY}/`);
    const signOut = await browser.get(`${PROXY}/oauth2/sign_out?rd=${encodeURIComponent(endSession.href)}`);
    expect(signOut.location).toBe(endSession.href);
    const confirm = await browser.follow(signOut);
    expect(confirm.body).toContain('Sign out of oauth2-proxy?');
    const done = await browser.follow(await browser.submit(confirm, { logout: 'yes' }), `${PROXY}/`);
    expect(done.location).toBe(`${PROXY}/`);

    const again = await browser.follow(await browser.get(`${PROXY}/app`));
    expect(again.url.startsWith(context.server.issuer)).toBe(true);
    expect(again.body).toContain('name="password"');
  });
});
