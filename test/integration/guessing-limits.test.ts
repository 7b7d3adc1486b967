// Guessing limits behind a proxy (PURSER_TRUST_PROXY, one trusted hop that appends to X-Forwarded-For): sign-in
// attempts are counted against the address the proxy saw, whatever the client wrote itself; guesses made by
// others never lock out a browser that has signed in as that user before (its device cookie); and wrong client
// secrets at /token are limited per address and client_id, without locking the client out elsewhere.
import * as oidc from 'openid-client';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { CLIENT_AUTH_THROTTLED as CLIENT_AUTH_THROTTLED_DESCRIPTION } from '../../src/server/errors/descriptions.ts';
import { CLIENT_AUTH_FAILURES_PER_ADDRESS } from '../../src/server/refusals.ts';
import { FAILURES_PER_ADDRESS, FAILURES_PER_USERNAME, FAILURES_PER_USERNAME_EVERYWHERE, TOO_MANY_ATTEMPTS } from '../../src/server/interactions/throttle-login.ts';
import { basic, form } from '../support/bad-input-http.ts';
import { Browser, type Page } from '../support/browser.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { REDIRECT_URI, relyingParty, SECRETS } from '../support/rp.ts';

let server: TestServer | undefined;
afterEach(async () => server?.close());

async function behindProxy(name: string): Promise<TestServer> {
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix(name), fixtures: await writeFixtures(), flags: ['--trust-proxy', '--trusted-proxy-hops=1'] });
  return server;
}

/** A browser whose requests reach Purser through the proxy, which appends `address` to X-Forwarded-For. */
function browserAt(address: string, claimed?: () => string): Browser {
  const browser = new Browser();
  Object.defineProperty(browser.headers, 'x-forwarded-for', { enumerable: true, get: () => (claimed ? `${claimed()}, ${address}` : address) });
  return browser;
}

async function loginPage(issuer: string, browser: Browser): Promise<Page> {
  const rp = await relyingParty(issuer, 'webapp.test');
  const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  return browser.follow(await browser.get(url.href), REDIRECT_URI);
}

async function fail(browser: Browser, page: Page, username: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await browser.submit(page, { username, password: `wrong-${i}` })).status);
  return statuses;
}

describe('sign-in attempts behind a proxy', () => {
  it('are counted against the address the proxy saw, not one the client claims in X-Forwarded-For', async () => {
    const { issuer } = await behindProxy('guess-spoof');
    let n = 0;
    const attacker = browserAt('203.0.113.7', () => `198.51.100.${++n % 250}`);
    const page = await loginPage(issuer, attacker);
    expect(await fail(attacker, page, ALICE.username, FAILURES_PER_USERNAME)).toEqual(Array(FAILURES_PER_USERNAME).fill(401));
    const blocked = await attacker.submit(page, { username: ALICE.username, password: ALICE.password });
    expect([blocked.status, blocked.body.includes(TOO_MANY_ATTEMPTS)]).toEqual([429, true]);
  });

  it(`do not lock out a known browser when ${FAILURES_PER_ADDRESS} failures over other usernames come from its address`, async () => {
    const { issuer } = await behindProxy('guess-shared-address');
    const alice = browserAt('203.0.113.8');
    expect((await alice.submit(await loginPage(issuer, alice), { username: ALICE.username, password: ALICE.password })).status).toBe(303);

    const attacker = browserAt('203.0.113.8');
    const page = await loginPage(issuer, attacker);
    for (let user = 0; user < FAILURES_PER_ADDRESS / FAILURES_PER_USERNAME; user++) await fail(attacker, page, `user${user}`, FAILURES_PER_USERNAME);
    // The address is spent: a browser that never signed in as alice is refused, even with her password ...
    const stranger = browserAt('203.0.113.8');
    expect((await stranger.submit(await loginPage(issuer, stranger), { username: ALICE.username, password: ALICE.password })).status).toBe(429);
    // ... but alice's own browser still signs in.
    expect((await alice.submit(await loginPage(issuer, alice), { username: ALICE.username, password: ALICE.password })).status).toBe(303);
  });

  it(`do not lock out a known browser when ${FAILURES_PER_USERNAME_EVERYWHERE} failures for its user come from many addresses`, async () => {
    const { issuer } = await behindProxy('guess-distributed');
    const alice = browserAt('192.0.2.1');
    expect((await alice.submit(await loginPage(issuer, alice), { username: ALICE.username, password: ALICE.password })).status).toBe(303);
    for (let address = 0; address < FAILURES_PER_USERNAME_EVERYWHERE / FAILURES_PER_USERNAME; address++) {
      const attacker = browserAt(`203.0.113.${20 + address}`);
      await fail(attacker, await loginPage(issuer, attacker), ALICE.username, FAILURES_PER_USERNAME);
    }
    const fresh = browserAt('203.0.113.99');
    expect((await fresh.submit(await loginPage(issuer, fresh), { username: ALICE.username, password: ALICE.password })).status).toBe(429);
    expect((await alice.submit(await loginPage(issuer, alice), { username: ALICE.username, password: ALICE.password })).status).toBe(303);
  });
  it(`give a device cookie no budget for another username: ${FAILURES_PER_USERNAME} failures at it from a browser known for alice are refused after`, async () => {
    const { issuer } = await behindProxy('guess-device-replay');
    const alice = browserAt('203.0.113.40');
    expect((await alice.submit(await loginPage(issuer, alice), { username: ALICE.username, password: ALICE.password })).status).toBe(303);
    const page = await loginPage(issuer, alice);
    expect(await fail(alice, page, 'mallory', FAILURES_PER_USERNAME)).toEqual(Array(FAILURES_PER_USERNAME).fill(401));
    expect((await alice.submit(page, { username: 'mallory', password: 'one more' })).status).toBe(429);
    // Her own budget is untouched.
    expect((await alice.submit(await loginPage(issuer, alice), { username: ALICE.username, password: ALICE.password })).status).toBe(303);
  });

  it(`count an IPv6 /64 as one address (RFC 4291 §2.5.4): ${FAILURES_PER_USERNAME} failures from as many addresses in it refuse a fresh one`, async () => {
    const { issuer } = await behindProxy('guess-ipv6-64');
    for (let host = 1; host <= FAILURES_PER_USERNAME; host++) {
      const attacker = browserAt(`2001:db8:1:2::${host.toString(16)}`);
      expect(await fail(attacker, await loginPage(issuer, attacker), ALICE.username, 1)).toEqual([401]);
    }
    const next = browserAt('2001:db8:1:2:ffff::1');
    const blocked = await next.submit(await loginPage(issuer, next), { username: ALICE.username, password: ALICE.password });
    expect([blocked.status, blocked.body.includes(TOO_MANY_ATTEMPTS)]).toEqual([429, true]);
    // Another /64 is another address.
    const neighbour = browserAt('2001:db8:1:3::1');
    expect((await neighbour.submit(await loginPage(issuer, neighbour), { username: ALICE.username, password: ALICE.password })).status).toBe(303);
  });
});

describe('client authentication at /token', () => {
  const tokenRequest = (secret: string, address: string) => fetch(`${server!.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('reports.test', secret), 'x-forwarded-for': address },
    body: form({ grant_type: 'client_credentials' }),
  });

  it(`refuses an address after ${CLIENT_AUTH_FAILURES_PER_ADDRESS} wrong secrets for a client_id, and only that address (429, RFC 6749 §5.2 invalid_client)`, async () => {
    await behindProxy('client-auth');
    const statuses: number[] = [];
    for (let i = 0; i < CLIENT_AUTH_FAILURES_PER_ADDRESS; i++) statuses.push((await tokenRequest(`wrong-${i}`, '203.0.113.50')).status);
    expect(statuses).toEqual(Array(CLIENT_AUTH_FAILURES_PER_ADDRESS).fill(401));

    const refused = await tokenRequest(SECRETS['reports.test']!, '203.0.113.50');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('900');
    expect(await refused.json()).toEqual({ error: 'invalid_client', error_description: CLIENT_AUTH_THROTTLED_DESCRIPTION });
    // The client itself is not locked out: from its own address it still gets tokens.
    expect((await tokenRequest(SECRETS['reports.test']!, '10.1.2.3')).status).toBe(200);
  });
});
