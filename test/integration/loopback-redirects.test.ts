// RFC 8252 §7.3: a native app's loopback redirect URI works on whatever port the OS gave the app, end to end.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { authorize, relyingParty } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('loopback-redirects');

/** A CLI's callback listener on a port the OS picks, as a native app opens it. */
async function listenOnLoopback(): Promise<{ server: Server; port: number; callbacks: URL[] }> {
  const callbacks: URL[] = [];
  const server = createServer((request, response) => {
    callbacks.push(new URL(request.url!, `http://${request.headers.host}`));
    response.end('you may close this window');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, callbacks };
}

describe('loopback redirect URIs on any port', () => {
  let listener: Awaited<ReturnType<typeof listenOnLoopback>> | undefined;
  afterEach(async () => {
    const server = listener?.server;
    listener = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('RFC 8252 §7.3: a public client registered on 127.0.0.1:9999 signs in through a random port with code + PKCE', async () => {
    listener = await listenOnLoopback();
    const redirectUri = `http://127.0.0.1:${listener.port}/callback`;
    const rp = await relyingParty(context.server.issuer, 'cli.test');
    const browser = new Browser();
    const result = await authorize(rp, browser, { redirect_uri: redirectUri, scope: 'openid offline_access', prompt: 'consent' });
    // The browser goes where Purser sent it: the CLI's listener.
    expect((await fetch(result.callbackUrl)).status).toBe(200);
    expect(listener.callbacks).toHaveLength(1);
    const tokens = await oidc.authorizationCodeGrant(rp, listener.callbacks[0]!, {
      pkceCodeVerifier: result.codeVerifier,
      expectedState: result.state,
      expectedNonce: result.nonce,
    });
    expect(tokens.claims()?.aud).toBe('cli.test');
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('RFC 9700 §2.1: only the port may differ; another path on the loopback host is refused', async () => {
    const url = new URL(`${context.server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: 'cli.test', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:51004/elsewhere', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
    const page = await new Browser().get(url.href);
    expect(page.status).toBe(400);
    expect(page.body).toContain('invalid_redirect_uri');
  });

  it('RFC 8252 §7.3: post_logout_redirect_uri on 127.0.0.1 matches with any port, too', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const browser = new Browser();
    const { callbackUrl, codeVerifier, state, nonce } = await authorize(rp, browser, { scope: 'openid' });
    const tokens = await oidc.authorizationCodeGrant(rp, callbackUrl, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
    const loggedOut = 'http://127.0.0.1:51004/logged-out';
    const confirmation = await browser.get(oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: loggedOut, state: 'bye' }).href);
    expect(confirmation.status).toBe(200);
    const done = await browser.follow(await browser.submit(confirmation, { logout: 'yes' }), loggedOut);
    expect(done.location).toBe(`${loggedOut}?state=bye`);
  });
});
