// Attacks on the refresh_token fast path (src/server/fast-token/refresh.ts) where oidc-provider's handler, called
// directly, refuses after it has begun: the user removed from the users file after signing in. The fast path then
// hands the request over to oidc-provider with the read it made (refresh-rotation.ts adapterRequestFor). Two replicas
// of one installation (one Redis prefix, one issuer), one with PURSER_TOKEN_FAST_PATH on and one off, must give the
// same answer, byte for byte but the volatile headers; neither may spend the token or revoke its grant, so that the
// user, put back, refreshes with it. Also: one token presented at once to both replicas, with and without a reuse
// grace; and introspection of a removed user whose username is the client's id (introspection.ts userGone).
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
/** A user whose username is a client id (usernames are free text): the sub of his tokens equals their client_id. */
const NAMESAKE = { username: 'webapp.test', password: 'a namesake has a long enough password' };
let namesakeEntry: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-fast-refresh-handover-'));
  const { password: _alicePassword, ...alice } = ALICE;
  aliceEntry = JSON.stringify({ ...alice, passwordHash: await hashPassword(ALICE.password) });
  bobEntry = JSON.stringify({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
  namesakeEntry = JSON.stringify({ username: NAMESAKE.username, passwordHash: await hashPassword(NAMESAKE.password) });
  await writeAtomically(dir, usersFile(aliceEntry, bobEntry, namesakeEntry));
  const fixtures = { ...(await writeFixtures()), usersFile: join(dir, 'users.yaml') };
  const port = await freePort();
  const options = { redisUrl: inject('redisUrl'), fixtures, prefix: uniquePrefix('fast-refresh-handover'), issuer: `http://127.0.0.1:${port}`, flags: ['--keys-reload-interval=1s'] };
  [fast, slow] = await Promise.all([startPurser({ ...options, port }), startPurser({ ...options, env: { PURSER_TOKEN_FAST_PATH: 'false' } })]);
}, 60_000);

afterAll(async () => Promise.all([fast?.close(), slow?.close()]));

/** Bob's (or `user`'s) tokens from a new sign-in at webapp.test. */
async function bobTokens(user = BOB, scope = 'openid offline_access', clientId = 'webapp.test'): Promise<{ refresh: string; access: string }> {
  const rp = await relyingParty(fast.issuer, clientId);
  const result = await authorize(rp, new Browser(), { scope, prompt: 'consent' }, user);
  const tokens = await oidc.authorizationCodeGrant(rp, result.callbackUrl, { pkceCodeVerifier: result.codeVerifier, expectedState: result.state, expectedNonce: result.nonce });
  return { refresh: tokens.refresh_token!, access: tokens.access_token };
}

/** Whether both replicas' userinfo answers `status` for `accessToken`: each has read the users file as it is now. */
const userinfoOnBoth = async (accessToken: string, status: number) => {
  const statuses = await Promise.all([fast, slow].map(async (server) => (await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status));
  return statuses.every((each) => each === status);
};

const basic = (clientId: string) => `Basic ${Buffer.from(`${clientId}:${encodeURIComponent(SECRETS[clientId]!)}`).toString('base64')}`;
const refresh = (server: TestServer, token: string, clientId = 'webapp.test'): Promise<Answer> =>
  postRaw(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId) }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` });
const comparable = (answer: Answer) => ({ status: answer.status, headers: answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase())), body: answer.body });

describe('the refresh_token fast path across replicas, and a removed user', () => {
  it('RFC 6749 §5.2: a removed user is invalid_grant, the same answer on both paths, and the token neither spent nor its grant revoked', async () => {
    const [onFast, onSlow, probe] = [await bobTokens(), await bobTokens(), await bobTokens()];
    await writeAtomically(dir, usersFile(aliceEntry, namesakeEntry));
    // Each replica reads the users file again every second.
    await waitFor('bob removed on both replicas', () => userinfoOnBoth(probe.access, 401), 10_000, 200);
    const [a, b] = [await refresh(fast, onFast.refresh), await refresh(slow, onSlow.refresh)];
    expect(JSON.parse(a.body)).toEqual({ error: 'invalid_grant', error_description: GRANT_USER_GONE });
    expect(comparable(a)).toEqual(comparable(b));
    // Put back, bob refreshes with the same tokens: the refusal wrote nothing.
    await writeAtomically(dir, usersFile(aliceEntry, bobEntry, namesakeEntry));
    await waitFor('bob back on both replicas', () => userinfoOnBoth(probe.access, 200), 10_000, 200);
    expect((await refresh(fast, onFast.refresh)).status).toBe(200);
    expect((await refresh(slow, onSlow.refresh)).status).toBe(200);
  });

  it('RFC 9700 §4.14.2: one refresh token presented at once to both replicas, 3 times each, without a reuse grace: one succeeds', async () => {
    const { refresh: token } = await bobTokens();
    const answers = await Promise.all([fast, slow, fast, slow, fast, slow].map((server) => refresh(server, token)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    const successor = (JSON.parse(answers.find((answer) => answer.status === 200)!.body) as { refresh_token: string }).refresh_token;
    // The reuse revoked the family: the successor the winner got is refused too.
    expect((await refresh(fast, successor)).status).toBe(400);
  });

  it('RFC 9700 §4.14.2: within the reuse grace, presented at once to both replicas 3 times each, every presentation gets the one same successor', async () => {
    const { refresh: token } = await bobTokens(BOB, 'openid offline_access', 'graceful.test');
    const answers = await Promise.all([fast, slow, fast, slow, fast, slow].map((server) => refresh(server, token, 'graceful.test')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const successors = new Set(answers.map((answer) => (JSON.parse(answer.body) as { refresh_token: string }).refresh_token));
    expect(successors.size).toBe(1);
    expect((await refresh(slow, [...successors][0]!, 'graceful.test')).status).toBe(200);
  });

  it('RFC 7662 §2.2: the opaque and JWT access tokens of a removed user whose username is the client id are inactive', async () => {
    const { access } = await bobTokens(NAMESAKE);
    const { access: jwt } = await bobTokens(NAMESAKE, 'openid offline_access reports:read');
    expect(jwt.split('.')).toHaveLength(3);
    const rp = await relyingParty(fast.issuer, 'webapp.test');
    expect((await oidc.tokenIntrospection(rp, access)).active).toBe(true);
    expect((await oidc.tokenIntrospection(rp, jwt)).active).toBe(true);
    await writeAtomically(dir, usersFile(aliceEntry, bobEntry));
    await waitFor('the namesake removed on both replicas', () => userinfoOnBoth(access, 401), 10_000, 200);
    expect(await oidc.tokenIntrospection(rp, access)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(rp, jwt)).toEqual({ active: false });
  });
});
