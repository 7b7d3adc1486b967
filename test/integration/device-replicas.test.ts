// The device flow on three Purser processes sharing one Redis: a device code buys tokens once whichever replicas it
// is polled on, and the polling pace and the user-code guessing limit are the same budget on every replica.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { USER_CODE_MESSAGES } from '../../src/server/device/pages.ts';
import { USER_CODE_GUESSES_EXHAUSTED } from '../../src/server/device/user-code-lookup.ts';
import { Browser } from '../support/browser.ts';
import { fetchVia } from '../support/raw-http.ts';
import { approve, enterCode, poll, QUICK_POLLING } from '../support/device.ts';
import { freePort, spawnPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { relyingParty } from '../support/rp.ts';

const ATTEMPTS = 3;
let replicas: TestServer[] = [];
let issuer: string;
const via = (index: number) => replicas[index % 3]!.url;
/** A browser whose every request reaches replica `index`, under the issuer's URLs (as a load balancer would route it). */
const browserOn = (index: number) => new Browser({ fetch: fetchVia(via(index)) });

beforeAll(async () => {
  const fixtures = await writeFixtures();
  const prefix = uniquePrefix('device-replicas');
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const flags = [...QUICK_POLLING, `--device-user-code-attempts=${ATTEMPTS}`];
  replicas = await Promise.all([port, await freePort(), await freePort()].map((p) => spawnPurser({ redisUrl: inject('redisUrl'), prefix, fixtures, issuer, port: p, flags })));
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.close()));
});

async function started(): Promise<oidc.DeviceAuthorizationResponse> {
  return oidc.initiateDeviceAuthorization(await relyingParty(issuer, 'tv.test', { via: via(0) }), { scope: 'openid' });
}

describe('the device flow across three replicas', () => {
  it('RFC 8628 §3.4, §3.5: of 30 concurrent polls of one approved device code, spread over 3 replicas, exactly one gets tokens', async () => {
    const device = await started();
    // Started on replica A, approved on B, polled on all three.
    expect((await approve(browserOn(1), `${issuer}/device`, device.user_code)).body).toContain('Your device is connected');
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => poll(via(i), device.device_code, 'tv.test')));
    const winners = answers.filter(({ status }) => status === 200);
    // The answers in the message: a failure shows what each poll got, not only how many won.
    expect(winners, JSON.stringify(answers.map(({ status, body }) => [status, body.error, body.error_description]))).toHaveLength(1);
    expect(winners[0]!.body).toMatchObject({ access_token: expect.any(String), id_token: expect.any(String), token_type: 'Bearer' });
    expect(answers.filter(({ status, body }) => status === 400 && body.error === 'invalid_grant')).toHaveLength(29);
  });

  it('RFC 8628 §3.5: a poll on one replica right after a poll on another is slow_down', async () => {
    const device = await started();
    expect((await poll(via(0), device.device_code, 'tv.test')).body.error).toBe('authorization_pending');
    expect((await poll(via(1), device.device_code, 'tv.test')).body.error).toBe('slow_down');
    expect((await poll(via(2), device.device_code, 'tv.test')).body.error).toBe('slow_down');
  });

  it(`RFC 8628 §5.1: after ${ATTEMPTS} wrong user codes from one address, spread over the replicas, even the right code is refused (429)`, async () => {
    const device = await started();
    for (let i = 0; i < ATTEMPTS; i++) {
      const wrong = await enterCode(browserOn(i), `${issuer}/device`, 'BCDF-GHJK');
      expect([wrong.status, wrong.body.includes(USER_CODE_MESSAGES.NotFoundError)]).toEqual([200, true]);
    }
    const refused = await enterCode(browserOn(0), `${issuer}/device`, device.user_code);
    expect([refused.status, refused.body.includes(USER_CODE_MESSAGES[USER_CODE_GUESSES_EXHAUSTED])]).toEqual([429, true]);
    expect(refused.body).not.toContain('Is this your device?');
  });
});
