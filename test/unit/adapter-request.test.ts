// The per-request part of the adapter (src/store/adapter-request.ts), over the in-memory store: a refresh token read
// with its grant, and a refresh's writes held back and committed as one rotation.
import { afterEach, describe, expect, it } from 'vitest';

import { REFRESH_TOKEN_ALREADY_USED } from '../../src/server/errors/descriptions.ts';
import { AdapterRequest } from '../../src/store/adapter-request.ts';
import { grantBoundId } from '../../src/store/keys.ts';
import { MemoryArtifactStore } from '../../src/store/memory/artifacts.ts';
import type { ArtifactWrite } from '../../src/store/types.ts';

const GRANT = 'grant-1';
const tokenId = (name: string) => grantBoundId(GRANT, name);
const write = (model: string, name: string): ArtifactWrite => ({ model, id: tokenId(name), payload: { grantId: GRANT, name }, expiresIn: 60 });

let store: MemoryArtifactStore;
afterEach(() => store.close());

async function storeWith(reuseGrace: number): Promise<MemoryArtifactStore> {
  store = new MemoryArtifactStore();
  await store.upsert('Grant', GRANT, { accountId: 'alice', clientId: 'app' }, 60);
  await store.upsert('RefreshToken', tokenId('spent'), { grantId: GRANT, reuseGrace }, 60);
  return store;
}

/** One refresh request, as oidc-provider's calls reach it: find, consume (held), save successor and access token, commit. */
async function refresh(artifacts: MemoryArtifactStore, successor: string): Promise<AdapterRequest> {
  const request = new AdapterRequest();
  await request.findRefreshToken(artifacts, tokenId('spent'));
  request.spent = tokenId('spent');
  expect(request.hold(write('RefreshToken', successor))).toBe(true);
  expect(request.hold(write('AccessToken', `${successor}-access`))).toBe(true);
  await request.commit(artifacts);
  return request;
}

describe('AdapterRequest', () => {
  it('keeps the grant read with a refresh token for one Grant.find', async () => {
    const request = new AdapterRequest();
    expect(await request.findRefreshToken(await storeWith(0), tokenId('spent'))).toEqual({ grantId: GRANT, reuseGrace: 0 });
    expect(request.holdsGrant(GRANT)).toBe(true);
    expect(request.takeGrant(GRANT)).toEqual({ accountId: 'alice', clientId: 'app' });
    expect(request.holdsGrant(GRANT)).toBe(false);
  });

  it('reads a refresh token once per id: a second find (oidc-provider after the token fast path) reuses the read, and gets its own copy', async () => {
    const artifacts = await storeWith(0);
    let reads = 0;
    const findWithGrant = artifacts.findWithGrant.bind(artifacts);
    artifacts.findWithGrant = (model, id) => (reads++, findWithGrant(model, id));
    const request = new AdapterRequest();
    const first = (await request.findRefreshToken(artifacts, tokenId('spent')))!;
    expect(request.takeGrant(GRANT)).toEqual({ accountId: 'alice', clientId: 'app' });
    first.jti = 'changed by the first reader';
    expect(await request.findRefreshToken(artifacts, tokenId('spent'))).toEqual({ grantId: GRANT, reuseGrace: 0 });
    expect(request.holdsGrant(GRANT)).toBe(true);
    expect(reads).toBe(1);
    expect(await request.findRefreshToken(artifacts, tokenId('other'))).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('drops the writes held back, unwritten, for a request handed to oidc-provider; commit then writes nothing', async () => {
    const artifacts = await storeWith(0);
    const request = new AdapterRequest();
    await request.findRefreshToken(artifacts, tokenId('spent'));
    request.spent = tokenId('spent');
    request.hold(write('RefreshToken', 'dropped'));
    request.discardHeld();
    expect(request.committed).toBe(false);
    // oidc-provider's own pass holds its writes again, and commits them.
    request.spent = tokenId('spent');
    expect(request.hold(write('RefreshToken', 'next'))).toBe(true);
    expect(request.hold(write('AccessToken', 'access'))).toBe(true);
    await request.commit(artifacts);
    expect(request.committed).toBe(true);
    expect(await artifacts.find('RefreshToken', tokenId('dropped'))).toBeUndefined();
    expect(await artifacts.find('RefreshToken', tokenId('next'))).toEqual({ grantId: GRANT, name: 'next' });
  });

  it('writes nothing until commit, then the consumption, the successor and the access token together', async () => {
    const artifacts = await storeWith(0);
    const request = new AdapterRequest();
    await request.findRefreshToken(artifacts, tokenId('spent'));
    request.spent = tokenId('spent');
    // Writes of other models go to the store at once.
    expect(request.hold(write('Session', 'session'))).toBe(false);
    request.hold(write('RefreshToken', 'next'));
    request.hold(write('AccessToken', 'access'));
    expect(await artifacts.find('RefreshToken', tokenId('next'))).toBeUndefined();
    expect((await artifacts.find('RefreshToken', tokenId('spent')))?.consumed).toBeUndefined();
    await request.commit(artifacts);
    expect((await artifacts.find('RefreshToken', tokenId('spent')))?.consumed).toEqual(expect.any(Number));
    expect(await artifacts.find('RefreshToken', tokenId('next'))).toEqual({ grantId: GRANT, name: 'next' });
    expect(await artifacts.find('AccessToken', tokenId('access'))).toEqual({ grantId: GRANT, name: 'access' });
    expect(request.replaced).toBeUndefined();
  });

  it('RFC 9700 §4.14.2: a second presentation within the grace is handed the first successor, which it can open', async () => {
    const artifacts = await storeWith(30);
    await refresh(artifacts, 'first');
    const second = await refresh(artifacts, 'second');
    expect(second.replaced).toEqual({ minted: tokenId('second'), linked: tokenId('first') });
    expect(await artifacts.find('RefreshToken', tokenId('second'))).toBeUndefined();
    expect(await artifacts.find('AccessToken', tokenId('second-access'))).toEqual({ grantId: GRANT, name: 'second-access' });
  });

  it('RFC 9700 §4.14.2: a second presentation without a grace is reuse: InvalidGrant, and the grant is revoked', async () => {
    const artifacts = await storeWith(0);
    await refresh(artifacts, 'first');
    await expect(refresh(artifacts, 'second')).rejects.toMatchObject({ error: 'invalid_grant', error_description: REFRESH_TOKEN_ALREADY_USED });
    expect(await artifacts.find('Grant', GRANT)).toBeUndefined();
    expect(await artifacts.find('RefreshToken', tokenId('first'))).toBeUndefined();
  });
});
