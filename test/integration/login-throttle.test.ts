// Password guessing is limited per address and username before any password is checked, on every replica alike.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { FAILURES_PER_USERNAME, TOO_MANY_ATTEMPTS } from '../../src/server/interactions/throttle-login.ts';
import { Browser, type Page } from '../support/browser.ts';
import { ALICE } from '../support/purser.ts';
import { REDIRECT_URI, relyingParty } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('login-throttle');

async function loginPage(browser: Browser): Promise<Page> {
  const rp = await relyingParty(context.server.issuer, 'webapp.test');
  const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  return browser.follow(await browser.get(url.href), REDIRECT_URI);
}

describe('sign-in attempts', () => {
  it('that succeed do not count against the limit', async () => {
    const statuses: number[] = [];
    for (let signIn = 0; signIn < FAILURES_PER_USERNAME + 2; signIn++) {
      const browser = new Browser();
      statuses.push((await browser.submit(await loginPage(browser), { username: ALICE.username, password: ALICE.password })).status);
    }
    expect(statuses).toEqual(Array(FAILURES_PER_USERNAME + 2).fill(303));
  });

  it(`are refused after ${FAILURES_PER_USERNAME} failures for one username from one address, even with the right password`, async () => {
    const browser = new Browser();
    const page = await loginPage(browser);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < FAILURES_PER_USERNAME; attempt++) {
      statuses.push((await browser.submit(page, { username: ALICE.username, password: `wrong-${attempt}` })).status);
    }
    expect(statuses).toEqual(Array(FAILURES_PER_USERNAME).fill(401));

    const blocked = await browser.submit(page, { username: ALICE.username, password: ALICE.password });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toContain(TOO_MANY_ATTEMPTS);

    // Another username from the same address still has its own budget.
    const other = await browser.submit(page, { username: 'bob', password: 'wrong' });
    expect(other.status).toBe(401);
  });

  it(`hold under a burst: of ${FAILURES_PER_USERNAME * 6} wrong passwords for one username sent at once from one address, at most ${FAILURES_PER_USERNAME} are checked`, async () => {
    const browser = new Browser();
    const page = await loginPage(browser);
    const burst = Array.from({ length: FAILURES_PER_USERNAME * 6 }, (_, attempt) => browser.submit(page, { username: 'burst-target', password: `wrong-${attempt}` }));
    const statuses = (await Promise.all(burst)).map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(FAILURES_PER_USERNAME);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(FAILURES_PER_USERNAME * 5);
  });
});
