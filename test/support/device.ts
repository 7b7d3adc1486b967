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
 * Enters the code, confirms the device, signs in (as alice unless told otherwise) and consents (when asked); returns the last page: the
 * "connected" page when all went well.
 */
export async function approve(browser: Browser, verificationUri: string, userCode: string, credentials: { username: string; password: string } = ALICE): Promise<Page> {
  let page = await browser.submit(await enterCode(browser, verificationUri, userCode), { confirm: 'yes' });
  for (let step = 0; step < 6; step++) {
    page = await browser.follow(page);
    if (page.body.includes('name="password"')) page = await browser.submit(page, { username: credentials.username, password: credentials.password });
    else if (page.body.includes('/confirm"')) page = await browser.submit(page);
    else return page;
  }
  throw new Error('device approval did not finish in 6 steps');
}

/** One raw poll of the token endpoint at `base` (a server's URL), as a device sends it: status and JSON body. */
export async function poll(base: string, deviceCode: string, clientId = 'device.test'): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}
