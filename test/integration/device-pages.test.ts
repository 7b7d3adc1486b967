// The device flow's pages in a real headless Chromium: what a person sees and does, from the code to "connected",
// with the keyboard and labels a screen reader announces. Screenshots of each step land in test-output/device-pages/.
import { join } from 'node:path';

import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { USER_CODE_MESSAGES } from '../../src/server/device/pages.ts';
import { launchChromium, type RealBrowser } from '../support/chromium.ts';
import { deviceClient, QUICK_POLLING } from '../support/device.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';

let server: TestServer;
let chromium: RealBrowser;

beforeAll(async () => {
  [server, chromium] = await Promise.all([
    startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('device-pages'), fixtures: await writeFixtures(), flags: QUICK_POLLING }),
    launchChromium('device-pages'),
  ]);
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(chromium.screenshots, `${name}.png`), fullPage: true });
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id);

describe('the device pages in Chromium', () => {
  it('RFC 8628 §3.3: a person types the code (lower case, no dash) after a wrong one, confirms, signs in, consents, and the device gets its tokens', async () => {
    const device = await deviceClient(server);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid profile' });
    const page = await chromium.context.newPage();

    await page.goto(started.verification_uri);
    await shot(page, '1-enter-code');
    const field = page.getByLabel('Code');
    // The field is focused and labelled, with the hints a phone's keyboard and a password manager use.
    expect(await focusedId(page)).toBe('user_code');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await field.getAttribute('inputmode')).toBe('text');
    expect(await page.locator('#user-code-hint').textContent()).toContain('8 letters');

    await field.fill('bcdf ghjk');
    await field.press('Enter');
    await page.waitForSelector('#user-code-error');
    await shot(page, '2-wrong-code');
    // The error is announced (role=alert), tied to the field, and the field keeps focus and what was typed.
    expect(await page.getByRole('alert').textContent()).toBe(USER_CODE_MESSAGES.NotFoundError);
    expect(await page.getByLabel('Code').getAttribute('aria-describedby')).toBe('user-code-error user-code-hint');
    expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId(page)).toBe('user_code');

    await page.getByLabel('Code').fill(started.user_code.replace('-', '').toLowerCase());
    await page.getByLabel('Code').press('Enter');
    await page.getByRole('heading', { name: 'Is this your device?' }).waitFor();
    await shot(page, '3-confirm');
    expect(await page.locator('#confirm-code').textContent()).toBe(started.user_code);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Continue');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Username').waitFor();
    await shot(page, '4-sign-in');
    await page.getByLabel('Username').fill(ALICE.username);
    await page.getByLabel('Password').fill(ALICE.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await shot(page, '5-consent');
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.getByRole('heading', { name: 'Your device is connected' }).waitFor();
    await shot(page, '6-connected');
    expect(await page.getByRole('status').textContent()).toContain('Device CLI');

    const tokens = await oidc.pollDeviceAuthorizationGrant(device, started);
    expect(tokens.claims()).toMatchObject({ sub: ALICE.username, name: ALICE.name });
    await page.close();
  });

  it('RFC 8628 §3.3.1: verification_uri_complete opens with the code filled in; Continue still asks for confirmation', async () => {
    const started = await oidc.initiateDeviceAuthorization(await deviceClient(server), { scope: 'openid' });
    const page = await chromium.context.newPage();
    await page.goto(started.verification_uri_complete!);
    await shot(page, '7-complete-uri');
    expect(await page.getByLabel('Code').inputValue()).toBe(started.user_code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Is this your device?' }).waitFor();
    expect(await page.locator('#confirm-code').textContent()).toBe(started.user_code);
    await page.close();
  });
});
