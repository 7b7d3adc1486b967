// A server picks up a changed users file without a restart, the way a mounted Secret changes (one atomic symlink
// swap): a user added can sign in, a user removed cannot, and a broken file is refused while the users in use stay.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { hashPassword } from '../../src/server/accounts/users.ts';
import { writeAtomically } from '../support/atomic-dir.ts';
import { Browser } from '../support/browser.ts';
import { waitFor } from '../support/kube.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { REDIRECT_URI, relyingParty } from '../support/rp.ts';

const BOB = { username: 'bob', password: 'bob has a long enough password' };

describe('a users file changing under a running server', () => {
  let server: TestServer;
  let dir: string;
  let aliceEntry: string;
  let bobEntry: string;

  const usersFile = (...entries: string[]) => ({ 'users.yaml': `users:\n${entries.map((entry) => `  - ${entry}\n`).join('')}` });
  /**
   * Whether one password submission at webapp.test's login page gets past it. One only: a refused password counts
   * towards the login throttle, which a loop of retries would trip.
   */
  const signsIn = async ({ username, password }: { username: string; password: string }) => {
    const config = await relyingParty(server.issuer, 'webapp.test');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const browser = new Browser();
    const login = await browser.follow(await browser.get(url.href), REDIRECT_URI);
    if (!login.body.includes('name="password"')) throw new Error(`expected the login page, got ${login.status}`);
    const after = await browser.follow(await browser.submit(login, { username, password }), REDIRECT_URI);
    return !after.body.includes('name="password"');
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-users-file-'));
    const { password: _alicePassword, ...alice } = ALICE;
    aliceEntry = JSON.stringify({ ...alice, passwordHash: await hashPassword(ALICE.password) });
    bobEntry = JSON.stringify({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
    await writeAtomically(dir, usersFile(aliceEntry));
    const fixtures = { ...(await writeFixtures()), usersFile: join(dir, 'users.yaml') };
    server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('users-reload'), fixtures, flags: ['--keys-reload-interval=1s'] });
  });

  afterAll(async () => server?.close());

  it('lets a user added to the file sign in, and stops one removed from it', async () => {
    expect(await signsIn(BOB)).toBe(false);
    await writeAtomically(dir, usersFile(aliceEntry, bobEntry));
    // Polled once a second: each refusal counts towards the throttle (10 per user and address).
    await waitFor('bob signs in', () => signsIn(BOB), 8_000, 1_000);

    await writeAtomically(dir, usersFile(bobEntry));
    await waitFor('alice refused', async () => !(await signsIn(ALICE)), 8_000, 1_000);
    expect(await signsIn(BOB)).toBe(true);
  });

  it('refuses a broken users file and keeps the users it has', async () => {
    await writeAtomically(dir, usersFile(aliceEntry, bobEntry));
    await waitFor('alice signs in again', () => signsIn(ALICE), 8_000, 1_000);
    await writeAtomically(dir, { 'users.yaml': 'users:\n  - username: mallory\n    passwordHash: plain-text\n' });
    await sleep(2500); // Two reload intervals and a half: the broken file has been read by now.
    expect(await signsIn(ALICE)).toBe(true);
    expect(await signsIn(BOB)).toBe(true);
  });
});
