// A server picks up new key files without a restart, the way a mounted Secret changes (one atomic symlink swap):
// new tokens are signed with the new key, tokens and sessions from before stay good while their keys are still
// listed, and a broken key set is refused while the server keeps the keys it has.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { generateCookieKey, generateSigningKeys, type Jwks } from '../../src/api/key-set.ts';
import { Browser } from '../support/browser.ts';
import { waitFor } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { authorize, codeFlow, relyingParty } from '../support/rp.ts';
import { writeAtomically } from '../support/atomic-dir.ts';

const verifyOnly = (jwks: Jwks): Jwks => ({ keys: jwks.keys.map((key) => ({ ...key, key_ops: ['verify'] })) });
const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid!;

describe('key files changing under a running server', () => {
  let server: TestServer;
  let dir: string;
  const original = generateSigningKeys();
  const originalCookieKey = generateCookieKey();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-key-files-'));
    await writeAtomically(dir, { 'jwks.json': JSON.stringify(original), 'cookie-keys': `${originalCookieKey}\n` });
    const fixtures = { ...(await writeFixtures()), jwksFile: join(dir, 'jwks.json'), cookieKeysFile: join(dir, 'cookie-keys') };
    server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('key-reload'), fixtures, flags: ['--keys-reload-interval=1s'] });
  });

  afterAll(async () => server?.close());

  const jwks = async () => (await fetch(`${server.url}/jwks`)).json() as Promise<JSONWebKeySet>;
  const accessTokenKid = async () => kidOf((await oidc.clientCredentialsGrant(await relyingParty(server.issuer, 'reports.test'), { scope: 'reports:read' })).access_token);

  it('signs with the new keys, still publishes the old ones, and keeps signed-in users signed in', async () => {
    const before = await oidc.clientCredentialsGrant(await relyingParty(server.issuer, 'reports.test'), { scope: 'reports:read' });
    const webapp = await relyingParty(server.issuer, 'webapp.test');
    const { browser } = await codeFlow(webapp, new Browser());

    const next = generateSigningKeys();
    await writeAtomically(dir, {
      'jwks.json': JSON.stringify({ keys: [...next.keys, ...verifyOnly(original).keys] }),
      'cookie-keys': `${generateCookieKey()}\n${originalCookieKey}\n`,
    });
    const es256 = next.keys.find((key) => key.alg === 'ES256')!.kid!;
    await waitFor('tokens signed with the new ES256 key', async () => (await accessTokenKid()) === es256, 10_000, 200);

    const published = await jwks();
    expect(published.keys.map((key) => key.kid).sort()).toEqual([...next.keys, ...original.keys].map((key) => key.kid).sort());
    const verified = await jwtVerify(before.access_token, createLocalJWKSet(published), { issuer: server.issuer, typ: 'at+jwt' });
    expect(verified.protectedHeader.kid).toBe(original.keys.find((key) => key.alg === 'ES256')!.kid);

    // The session cookie signed with the old cookie key still counts: credentials that would fail are never asked for.
    const again = await authorize(webapp, browser, { scope: 'openid' }, { username: 'nobody', password: 'not asked' });
    expect(again.callbackUrl.searchParams.get('code')).toBeTruthy();
    const { id_token } = await oidc.authorizationCodeGrant(webapp, again.callbackUrl, { pkceCodeVerifier: again.codeVerifier, expectedState: again.state, expectedNonce: again.nonce });
    expect(decodeProtectedHeader(id_token!).kid).toBe(next.keys.find((key) => key.alg === 'RS256')!.kid);
  });

  it('refuses a broken key set and keeps signing with the keys it has, until a good one arrives', async () => {
    const inUse = await accessTokenKid();
    const jwksBefore = await jwks();
    await writeAtomically(dir, { 'jwks.json': '{"keys": [', 'cookie-keys': await readFile(join(dir, 'cookie-keys'), 'utf8') });
    await sleep(2500); // Two reload intervals and a half: the broken set has been read by now.
    expect(await accessTokenKid()).toBe(inUse);
    expect(await jwks()).toEqual(jwksBefore);

    // A set without a key that may sign for RS256 is refused too (a hand-edited Secret, say).
    const esOnly = generateSigningKeys();
    await writeAtomically(dir, { 'jwks.json': JSON.stringify({ keys: esOnly.keys.filter((key) => key.alg === 'ES256') }), 'cookie-keys': `${generateCookieKey()}\n` });
    await sleep(2500);
    expect(await accessTokenKid()).toBe(inUse);

    const fixed = generateSigningKeys();
    await writeAtomically(dir, { 'jwks.json': JSON.stringify(fixed), 'cookie-keys': `${generateCookieKey()}\n` });
    const es256 = fixed.keys.find((key) => key.alg === 'ES256')!.kid!;
    await waitFor('the repaired key set in use', async () => (await accessTokenKid()) === es256, 10_000, 200);
  });
});
