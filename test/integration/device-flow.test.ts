// The device authorization grant (RFC 8628) against the real server and Redis: openid-client is the device, the
// person's part goes through the real pages. Every MUST of §3.1-§3.5 is a test here, named after its section.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { DEVICE_CODE_ALREADY_USED, DEVICE_POLL_TOO_FAST, GRANT_TYPE_NOT_ALLOWED, REFRESH_TOKEN_NOT_RECOGNISED, describe as fill } from '../../src/server/errors/descriptions.ts';
import { USER_CODE_MESSAGES, SIGN_IN_CANCELLED } from '../../src/server/device/pages.ts';
import { Browser } from '../support/browser.ts';
import { approve, DEVICE_GRANT, deviceClient, enterCode, poll, QUICK_POLLING } from '../support/device.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { oauthFailure, relyingParty } from '../support/rp.ts';

const BASE_20_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

let server: TestServer;
beforeAll(async () => {
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('device-flow'), fixtures: await writeFixtures(), flags: QUICK_POLLING });
});
afterAll(async () => server?.close());

describe('device authorization (RFC 8628)', () => {
  it('RFC 8628 §3.1, §3.2: answers with device_code, a grouped base-20 user_code, verification_uri(_complete), expires_in and interval', async () => {
    const device = await deviceClient(server);
    const response = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    expect(response).toMatchObject({
      device_code: expect.stringMatching(/^[\w-]{40,}$/),
      user_code: expect.stringMatching(BASE_20_CODE),
      verification_uri: `${server.url}/device`,
      expires_in: 600,
      interval: 1,
    });
    expect(response.verification_uri_complete).toBe(`${server.url}/device?user_code=${response.user_code}`);
    expect(await oidc.initiateDeviceAuthorization(device, { scope: 'openid' })).not.toMatchObject({ user_code: response.user_code });
  });

  it('RFC 8628 §3.1: a client without the device grant is refused (unauthorized_client)', async () => {
    const other = await relyingParty(server.issuer, 'cli.test');
    expect(await oauthFailure(oidc.initiateDeviceAuthorization(other, { scope: 'openid' }))).toEqual({ status: 400, error: 'unauthorized_client', error_description: fill(GRANT_TYPE_NOT_ALLOWED, DEVICE_GRANT) });
  });

  it('RFC 8628 §3.1, §3.4: a confidential client authenticates at both endpoints (RFC 6749 §3.2.1), or is refused', async () => {
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
    const unauthenticated = await fetch(`${server.url}/device/auth`, form({ client_id: 'kiosk.test', scope: 'openid' }));
    expect([unauthenticated.status, ((await unauthenticated.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);

    const kiosk = await relyingParty(server.issuer, 'kiosk.test');
    const started = await oidc.initiateDeviceAuthorization(kiosk, { scope: 'openid' });
    await approve(new Browser(), started.verification_uri, started.user_code);
    expect((await poll(server.url, started.device_code, 'kiosk.test')).status).toBe(401);
    expect((await oidc.pollDeviceAuthorizationGrant(kiosk, started)).claims()).toMatchObject({ sub: 'alice', aud: 'kiosk.test' });
  });

  it('RFC 8628 §3.1: a parameter sent twice is refused (invalid_request); one sent empty counts as omitted', async () => {
    const post = (body: string) => fetch(`${server.url}/device/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const twice = await post('client_id=device.test&scope=openid&scope=profile');
    expect([twice.status, ((await twice.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
    const empty = await post('client_id=device.test&scope=');
    expect([empty.status, Object.keys((await empty.json()) as object).sort()]).toEqual([200, ['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete']]);
  });

  it('RFC 8628 §3.3, §3.4, §3.5: pending until the person enters the code (any case, no dash), signs in and consents; then the tokens', async () => {
    const device = await deviceClient(server);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid profile offline_access' });
    expect(await poll(server.url, started.device_code)).toEqual({ status: 400, body: { error: 'authorization_pending', error_description: expect.any(String) } });

    const typed = started.user_code.replace('-', '').toLowerCase();
    const done = await approve(new Browser(), started.verification_uri, typed);
    expect(done.body).toContain('Your device is connected');
    expect(done.body).toContain('Device CLI');

    const tokens = await oidc.pollDeviceAuthorizationGrant(device, started);
    expect(tokens.claims()).toMatchObject({ sub: 'alice', aud: 'device.test' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    // A refresh token from the device grant renews like any other.
    expect((await oidc.refreshTokenGrant(device, tokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('RFC 8628 §3.5: a used device code is refused (invalid_grant), and presenting it again revokes its tokens', async () => {
    const device = await deviceClient(server, 'tv.test');
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    await approve(new Browser(), started.verification_uri, started.user_code);
    const tokens = await oidc.pollDeviceAuthorizationGrant(device, started);
    expect((await oidc.fetchUserInfo(device, tokens.access_token, 'alice')).sub).toBe('alice');
    expect(await poll(server.url, started.device_code, 'tv.test')).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: DEVICE_CODE_ALREADY_USED } });
    // As with an authorization code (RFC 6749 §4.1.2), a spent code presented again revokes what it bought.
    expect(await oauthFailure(oidc.fetchUserInfo(device, tokens.access_token, 'alice'))).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('RFC 8628 §3.5, RFC 6749 §5.2: the refresh token a reused device code revoked is invalid_grant, saying it was revoked', async () => {
    const device = await deviceClient(server);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid offline_access' });
    await approve(new Browser(), started.verification_uri, started.user_code);
    const tokens = await oidc.pollDeviceAuthorizationGrant(device, started);
    expect((await poll(server.url, started.device_code)).body.error_description).toBe(DEVICE_CODE_ALREADY_USED);
    expect(await oauthFailure(oidc.refreshTokenGrant(device, tokens.refresh_token!))).toEqual({ status: 400, error: 'invalid_grant', error_description: REFRESH_TOKEN_NOT_RECOGNISED });
  });

  it('RFC 8628 §3.5: slow_down to a poll sooner than the interval, and each one adds 5 seconds to it', async () => {
    const started = await oidc.initiateDeviceAuthorization(await deviceClient(server), { scope: 'openid' });
    expect((await poll(server.url, started.device_code)).body.error).toBe('authorization_pending');
    expect(await poll(server.url, started.device_code)).toEqual({ status: 400, body: { error: 'slow_down', error_description: fill(DEVICE_POLL_TOO_FAST, 6) } });
    expect(await poll(server.url, started.device_code)).toEqual({ status: 400, body: { error: 'slow_down', error_description: fill(DEVICE_POLL_TOO_FAST, 11) } });
  });

  it('RFC 8628 §3.5: access_denied when the person cancels on the confirmation page', async () => {
    const device = await deviceClient(server);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    const browser = new Browser();
    const cancelled = await browser.submit(await enterCode(browser, started.verification_uri, started.user_code), { abort: 'yes' });
    expect(cancelled.body).toContain(SIGN_IN_CANCELLED);
    expect(await oauthFailure(oidc.pollDeviceAuthorizationGrant(device, started))).toMatchObject({ status: 400, error: 'access_denied' });
  });

  it('RFC 8628 §3.5: access_denied when the person declines consent', async () => {
    const device = await deviceClient(server);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    const browser = new Browser();
    let page = await browser.follow(await browser.submit(await enterCode(browser, started.verification_uri, started.user_code), { confirm: 'yes' }));
    page = await browser.follow(await browser.submit(page, { username: 'alice', password: 'correct horse battery staple' }));
    expect(page.body).toContain('/confirm"');
    await browser.follow(await browser.submit(page, {}, '/abort'));
    expect(await oauthFailure(oidc.pollDeviceAuthorizationGrant(device, started))).toMatchObject({ status: 400, error: 'access_denied' });
  });

  it('RFC 8628 §3.3.1: verification_uri_complete fills the code in, and the person still confirms it', async () => {
    const started = await oidc.initiateDeviceAuthorization(await deviceClient(server), { scope: 'openid' });
    const browser = new Browser();
    const page = await browser.get(started.verification_uri_complete!);
    expect(page.body).toContain(`value="${started.user_code}"`);
    expect(page.body).not.toContain('<script');
    // The test browser sends hidden fields only; a real one sends the filled-in field (device-pages.test.ts).
    const confirm = await browser.submit(page, { user_code: started.user_code });
    expect(confirm.body).toContain('Is this your device?');
    expect((await poll(server.url, started.device_code)).body.error).toBe('authorization_pending');
  });

  it('RFC 8628 §3.3: a wrong, a used and an empty code are each told apart on the page', async () => {
    const browser = new Browser();
    const wrong = await enterCode(browser, `${server.url}/device`, 'BCDF-GHJK');
    expect(wrong.body).toContain(USER_CODE_MESSAGES.NotFoundError);
    expect(wrong.body).toMatch(/aria-describedby="user-code-error user-code-hint" aria-invalid="true"/);
    expect((await enterCode(browser, `${server.url}/device`, '')).body).toContain(USER_CODE_MESSAGES.NoCodeError);
    const device = await deviceClient(server, 'tv.test');
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    await approve(new Browser(), started.verification_uri, started.user_code);
    expect((await enterCode(browser, started.verification_uri, started.user_code)).body).toContain(USER_CODE_MESSAGES.AlreadyUsedError);
  });

  it('RFC 8628 §3.3: the code form is CSRF-protected: a POST without the session\'s xsrf value is refused', async () => {
    const started = await oidc.initiateDeviceAuthorization(await deviceClient(server), { scope: 'openid' });
    const browser = new Browser();
    const page = await browser.get(started.verification_uri);
    const forged = await browser.submit({ ...page, body: page.body.replace(/name="xsrf" value="[^"]*"/, 'name="xsrf" value="forged"') }, { user_code: started.user_code });
    expect(forged.body).not.toContain('Is this your device?');
    expect(forged.status).toBe(400);
  });

  it('RFC 8628 §3.3: a code form posted without a session (expired cookie, another browser) is shown again, not a 500, and works when sent again', async () => {
    const started = await oidc.initiateDeviceAuthorization(await deviceClient(server), { scope: 'openid' });
    const stale = await new Browser().get(started.verification_uri);
    const browser = new Browser();
    const again = await browser.submit(stale, { user_code: started.user_code });
    expect(again.status).toBe(400);
    expect(again.body).toContain('name="user_code"');
    expect((await browser.submit(again, { user_code: started.user_code })).body).toContain('Is this your device?');
  });
});

describe('device code expiry (RFC 8628 §3.5)', () => {
  let shortLived: TestServer;
  beforeAll(async () => {
    shortLived = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('device-expiry'), fixtures: await writeFixtures(), flags: [...QUICK_POLLING, '--device-code-ttl=1s'] });
  });
  afterAll(async () => shortLived?.close());

  it('RFC 8628 §3.5: expired_token once the device code has expired, and the page says the code expired', async () => {
    const device = await deviceClient(shortLived);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    expect(started.expires_in).toBe(1);
    // Polled as a device does, every interval (1 s), until the answer is no longer pending. (openid-client stops
    // polling by itself once expires_in has passed, without asking.)
    let answer = await poll(shortLived.url, started.device_code);
    for (let polls = 0; answer.body.error === 'authorization_pending' && polls < 5; polls++) {
      await new Promise((resolve) => setTimeout(resolve, started.interval! * 1000));
      answer = await poll(shortLived.url, started.device_code);
    }
    expect(answer).toEqual({ status: 400, body: { error: 'expired_token', error_description: expect.any(String) } });
    expect((await enterCode(new Browser(), started.verification_uri, started.user_code)).body).toContain(USER_CODE_MESSAGES.ExpiredError);
  });
});
