// The person's side of the device flow (RFC 8628 §3.3) through the real pages: enter the code, confirm the device,
// sign in, consent. The device's side is openid-client.
import * as oidc from 'openid-client';

import { Browser, type Page } from './browser.ts';
import { ALICE, type TestServer } from './purser.ts';
import { relyingParty } from './rp.ts';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Flags that keep the tests' polling short: a device waits 1 s between polls. */
export const QUICK_POLLING = ['--device-poll-interval=1s'];

/** The public device CLI of the fixtures (test/fixtures/clients/device.yaml), which asks for consent. */
export async function deviceClient(server: TestServer, clientId = 'device.test'): Promise<oidc.Configuration> {
  return relyingParty(server.issuer, clientId);
}

/** Enters `userCode` on the page at `verificationUri`; returns the confirmation page (or the form with its error). */
export async function enterCode(browser: Browser, verificationUri: string, userCode: string): Promise<Page> {
  return browser.submit(await browser.get(verificationUri), { user_code: userCode });
}

/**
 * Enters the code, confirms the device, signs in as alice and consents (when asked); returns the last page: the
 * "connected" page when all went well.
 */
export async function approve(browser: Browser, verificationUri: string, userCode: string): Promise<Page> {
  let page = await browser.submit(await enterCode(browser, verificationUri, userCode), { confirm: 'yes' });
  for (let step = 0; step < 6; step++) {
    page = await browser.follow(page);
    if (page.body.includes('name="password"')) page = await browser.submit(page, { username: ALICE.username, password: ALICE.password });
    else if (page.body.includes('/confirm"')) page = await browser.submit(page);
    else return page;
  }
  throw new Error('device approval did not finish in 6 steps');
}

/** One raw poll of the token endpoint, as a device sends it: status and JSON body. */
export async function poll(server: TestServer, deviceCode: string, clientId = 'device.test', via = server.url): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${via}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}
