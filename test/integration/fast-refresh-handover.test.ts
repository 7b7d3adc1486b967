// Attacks on the refresh_token fast path (src/server/fast-token/refresh.ts) where oidc-provider's handler, called
// directly, refuses after it has begun: the user removed from the users file after signing in. The fast path then
// hands the request over to oidc-provider with the read it made (refresh-rotation.ts adapterRequestFor). Two replicas
// of one installation (one Redis prefix, one issuer), one with PURSER_TOKEN_FAST_PATH on and one off, must give the
// same answer, byte for byte but the volatile headers; neither may spend the token or revoke its grant, so that the
// user, put back, refreshes with it.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { hashPassword } from '../../src/server/accounts/users.ts';
import { GRANT_USER_GONE } from '../../src/server/errors/descriptions.ts';
import { writeAtomically } from '../support/atomic-dir.ts';
import { Browser } from '../support/browser.ts';
import { waitFor } from '../support/kube.ts';
import { ALICE, freePort, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { postRaw, VOLATILE_HEADERS, type Answer } from '../support/raw-http.ts';
import { uniquePrefix } from '../support/redis.ts';
import { authorize, relyingParty, SECRETS } from '../support/rp.ts';

const BOB = { username: 'bob', password: 'bob has a long enough password' };
const usersFile = (...entries: string[]) => ({ 'users.yaml': `users:\n${entries.map((entry) => `  - ${entry}\n`).join('')}` });

let fast: TestServer;
let slow: TestServer;
let dir: string;
let aliceEntry: string;
let bobEntry: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-fast-refresh-handover-'));
  const { password: _alicePassword, ...alice } = ALICE;
  aliceEntry = JSON.stringify({ ...alice, passwordHash: await hashPassword(ALICE.password) });
  bobEntry = JSON.stringify({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
  await writeAtomically(dir, usersFile(aliceEntry, bobEntry));
  const fixtures = { ...(await writeFixtures()), usersFile: join(dir, 'users.yaml') };
  const port = await freePort();
  const options = { redisUrl: inject('redisUrl'), fixtures, prefix: uniquePrefix('fast-refresh-handover'), issuer: `http://127.0.0.1:${port}`, flags: ['--keys-reload-interval=1s'] };
  [fast, slow] = await Promise.all([startPurser({ ...options, port }), startPurser({ ...options, env: { PURSER_TOKEN_FAST_PATH: 'false' } })]);
}, 60_000);

afterAll(async () => Promise.all([fast?.close(), slow?.close()]));

/** Bob's tokens from a new sign-in at webapp.test. */
async function bobTokens(): Promise<{ refresh: string; access: string }> {
  const rp = await relyingParty(fast.issuer, 'webapp.test');
  const result = await authorize(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' }, BOB);
  const tokens = await oidc.authorizationCodeGrant(rp, result.callbackUrl, { pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce });
  return { refresh: tokens.refresh_token!, access: tokens.access_token };
}

/** Whether both replicas' userinfo answers `status` for `accessToken`: each has read the users file as it is now. */
const userinfoOnBoth = async (accessToken: string, status: number) => {
  const statuses = await Promise.all([fast, slow].map(async (server) => (await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status));
  return statuses.every((each) => each === status);
};

const basic = `Basic ${Buffer.from(`webapp.test:${encodeURIComponent(SECRETS['webapp.test']!)}`).toString('base64')}`;
const refresh = (server: TestServer, token: string): Promise<Answer> =>
  postRaw(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` });
const comparable = (answer: Answer) => ({ status: answer.status, headers: answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase())), body: answer.body });

describe('the refresh_token fast path, when oidc-provider refuses inside the handler', () => {
  it('RFC 6749 §5.2: a removed user is invalid_grant, the same answer on both paths, and the token neither spent nor its grant revoked', async () => {
    const [onFast, onSlow, probe] = [await bobTokens(), await bobTokens(), await bobTokens()];
    await writeAtomically(dir, usersFile(aliceEntry));
    // Each replica reads the users file again every second.
    await waitFor('bob removed on both replicas', () => userinfoOnBoth(probe.access, 401), 10_000, 200);
    const [a, b] = [await refresh(fast, onFast.refresh), await refresh(slow, onSlow.refresh)];
    expect(JSON.parse(a.body)).toEqual({ error: 'invalid_grant', error_description: GRANT_USER_GONE });
    expect(comparable(a)).toEqual(comparable(b));
    // Put back, bob refreshes with the same tokens: the refusal wrote nothing.
    await writeAtomically(dir, usersFile(aliceEntry, bobEntry));
    await waitFor('bob back on both replicas', () => userinfoOnBoth(probe.access, 200), 10_000, 200);
    expect((await refresh(fast, onFast.refresh)).status).toBe(200);
    expect((await refresh(slow, onSlow.refresh)).status).toBe(200);
  });
});
