// The store contract (src/store/types.ts), checked the same way against every backend.
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { clientBoundId, clientGrants, clientTokens, grantArtifacts, grantBoundId, grantReference, type IndexRef } from '../../src/store/keys.ts';
import { hashSecret } from '../../src/store/secret-hash.ts';
import type { ApiRecord, ArtifactWrite, ClientRecord, Payload, Store } from '../../src/store/types.ts';
import { deviceCodeCases } from './device-code-cases.ts';
import { logoutQueueCases } from './logout-queue-cases.ts';

export interface StoreUnderTest {
  store: Store;
  /** Every key and value the backend holds, as text, to prove nothing is kept in plain form. */
  dump(): Promise<string[]>;
  /** How many members an index holds as the backend keeps it, expired ones not yet dropped included. */
  indexSize(index: IndexRef): Promise<number>;
  /** A second handle on the same data, as another process would have. */
  peer(): Promise<Store>;
  /**
   * Lets `ms` milliseconds pass for the store: a backend with an injected clock moves it (no real wait); one whose
   * TTLs the server keeps in real time (Redis) sleeps.
   */
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

const random = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
const tokenFor = (grantId: string) => grantBoundId(grantId, random());
const clientTokenFor = (clientId: string) => clientBoundId(clientId, random());
const refreshToken = (id: string, payload: Payload): ArtifactWrite => ({ model: 'RefreshToken', id, payload, expiresIn: 60 });
const accessToken = (id: string, grantId: string): ArtifactWrite => ({ model: 'AccessToken', id, payload: { grantId }, expiresIn: 60 });

function record(clientId: string): ClientRecord {
  return {
    clientId,
    owner: `default/${clientId}`,
    metadata: { client_id: clientId, grant_types: ['client_credentials'] },
    secrets: [hashSecret('s'.repeat(40))],
    policy: { scopes: [], audiences: [], accessTokenFormat: 'opaque', refreshTokenReuseGracePeriod: 0, requirePkce: true, skipConsent: false, corsOrigins: [] },
  };
}

/** `elapse` for a backend whose server expires keys in real time (Redis): waits `ms` milliseconds. */
export const realTime = async (ms: number): Promise<void> => void (await sleep(ms));

export function runStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`store conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => subject.cleanup());

    describe('basic', () => {
      it('finds what was upserted, and nothing else', async () => {
        await store.artifacts.upsert('Session', 'session-1', { uid: 'uid-1', accountId: 'alice' }, 60);
        expect(await store.artifacts.find('Session', 'session-1')).toEqual({ uid: 'uid-1', accountId: 'alice' });
        expect(await store.artifacts.find('Session', 'session-2')).toBeUndefined();
        expect(await store.artifacts.find('Interaction', 'session-1')).toBeUndefined();
      });

      it('replaces a payload on upsert', async () => {
        await store.artifacts.upsert('Grant', 'g1', { accountId: 'alice', clientId: 'a' }, 60);
        await store.artifacts.upsert('Grant', 'g1', { accountId: 'alice', clientId: 'b' }, 60);
        expect(await store.artifacts.find('Grant', 'g1')).toEqual({ accountId: 'alice', clientId: 'b' });
      });

      it('finds by uid and by user code', async () => {
        await store.artifacts.upsert('Session', 'sess', { uid: 'the-uid', accountId: 'bob' }, 60);
        await store.artifacts.upsert('DeviceCode', 'dev', { userCode: 'ABCD-EFGH', clientId: 'c' }, 60);
        expect(await store.artifacts.findByUid('Session', 'the-uid')).toMatchObject({ accountId: 'bob' });
        expect(await store.artifacts.findByUserCode('DeviceCode', 'ABCD-EFGH')).toMatchObject({ clientId: 'c' });
        // The user code is kept only as the digest in its lookup key: the adapter seals the device code's id under it.
        expect(await store.artifacts.findByUserCode('DeviceCode', 'ABCD-EFGH')).not.toHaveProperty('userCode');
        expect(await store.artifacts.findByUid('Session', 'other')).toBeUndefined();
      });

      it('destroys one artifact', async () => {
        await store.artifacts.upsert('AccessToken', 'at', { clientId: 'c' }, 60);
        await store.artifacts.destroy('AccessToken', 'at');
        expect(await store.artifacts.find('AccessToken', 'at')).toBeUndefined();
      });

      it('keeps ids only as digests: a dump holds no id, uid or user code', async () => {
        const secretId = tokenFor('g');
        const uid = `uid-${random()}`;
        const [grant, clientToken] = [`grant-${random()}`, clientTokenFor('c')];
        await store.artifacts.upsert('RefreshToken', secretId, { grantId: 'g', clientId: 'c' }, 60);
        await store.artifacts.upsert('Session', `sess-${secretId}`, { uid, accountId: 'x' }, 60);
        await store.artifacts.upsert('Grant', grant, { accountId: 'x', clientId: 'c' }, 60);
        await store.artifacts.upsert('ClientCredentials', clientToken, { clientId: 'c' }, 60);
        const [deviceCode, userCode] = [`device-${random()}`, `UC${random()}`];
        await store.artifacts.upsert('DeviceCode', deviceCode, { userCode, clientId: 'c' }, 60);
        await store.artifacts.renew('Grant', grant, 120);
        const dump = (await subject.dump()).join('\n');
        for (const id of [secretId, grant, clientToken, deviceCode, userCode]) expect(dump).not.toContain(id);
        expect(dump.length).toBeGreaterThan(0);
      });
    });

    describe('ttl', () => {
      it('forgets an artifact once it expires, and its uid lookup with it', async () => {
        await store.artifacts.upsert('Session', 'short', { uid: 'short-uid' }, 1);
        await store.artifacts.upsert('Session', 'long', { uid: 'long-uid' }, 60);
        await subject.elapse(2100);
        expect(await store.artifacts.find('Session', 'short')).toBeUndefined();
        expect(await store.artifacts.findByUid('Session', 'short-uid')).toBeUndefined();
        expect(await store.artifacts.find('Session', 'long')).toBeDefined();
      });
    });

    describe('renew', () => {
      it('extends the TTL and the exp of an existing artifact, never shortens, never creates', async () => {
        await store.artifacts.upsert('Grant', 'renewed', { accountId: 'a', exp: 1 }, 1);
        await store.artifacts.renew('Grant', 'renewed', 60);
        await store.artifacts.renew('Grant', 'renewed', 5);
        await store.artifacts.renew('Grant', 'absent', 60);
        await subject.elapse(1500);
        const payload = await store.artifacts.find('Grant', 'renewed');
        expect(payload?.accountId).toBe('a');
        expect(Number(payload?.exp)).toBeGreaterThan(Date.now() / 1000 + 50);
        expect(await store.artifacts.find('Grant', 'absent')).toBeUndefined();
      });
    });

    describe('grants', () => {
      it('revokes every artifact of a grant, and only that grant', async () => {
        const [g1, g2] = [`g1-${random()}`, `g2-${random()}`];
        const [at1, rt1, at2] = [tokenFor(g1), tokenFor(g1), tokenFor(g2)];
        await store.artifacts.upsert('Grant', g1, { accountId: 'a' }, 60);
        await store.artifacts.upsert('AccessToken', at1, { grantId: g1 }, 60);
        await store.artifacts.upsert('RefreshToken', rt1, { grantId: g1 }, 60);
        await store.artifacts.upsert('AccessToken', at2, { grantId: g2 }, 60);
        await store.artifacts.revokeByGrantId(g1);
        expect(await store.artifacts.find('AccessToken', at1)).toBeUndefined();
        expect(await store.artifacts.find('RefreshToken', rt1)).toBeUndefined();
        expect(await store.artifacts.find('Grant', g1)).toBeUndefined();
        expect(await store.artifacts.find('AccessToken', at2)).toBeDefined();
      });

      it('keeps artifacts that only mention a grant (an Interaction) out of it', async () => {
        const grant = `g-${random()}`;
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        await store.artifacts.upsert('Interaction', `interaction-${random()}`, { grantId: grant, uid: `u-${random()}` }, 60);
        const interaction = `interaction-${random()}`;
        await store.artifacts.upsert('Interaction', interaction, { grantId: grant }, 60);
        await store.artifacts.revokeByGrantId(grant);
        expect(await store.artifacts.find('Interaction', interaction)).toEqual({ grantId: grant });
        expect(await store.artifacts.find('Grant', grant)).toBeUndefined();
      });

      it('revokes nothing for an empty list of models', async () => {
        const grant = `g-${random()}`;
        const token = tokenFor(grant);
        await store.artifacts.upsert('AccessToken', token, { grantId: grant }, 60);
        await store.artifacts.revokeByGrantId(grant, []);
        expect(await store.artifacts.find('AccessToken', token)).toBeDefined();
      });

      it('revokes only the named models when asked to', async () => {
        const grant = `g-${random()}`;
        const [at, rt] = [tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        await store.artifacts.upsert('AccessToken', at, { grantId: grant }, 60);
        await store.artifacts.upsert('RefreshToken', rt, { grantId: grant }, 60);
        await store.artifacts.revokeByGrantId(grant, ['AccessToken']);
        expect(await store.artifacts.find('AccessToken', at)).toBeUndefined();
        expect(await store.artifacts.find('RefreshToken', rt)).toBeDefined();
        expect(await store.artifacts.find('Grant', grant)).toBeDefined();
      });
    });

    describe('grant references', () => {
      it('a grant reference names a stored grant until it is destroyed or revoked, and does not hold its id', async () => {
        const [kept, destroyed, revoked] = [`g-kept-${random()}`, `g-destroyed-${random()}`, `g-revoked-${random()}`];
        for (const grant of [kept, destroyed, revoked]) await store.artifacts.upsert('Grant', grant, { accountId: 'a', clientId: 'c' }, 60);
        for (const grant of [kept, destroyed, revoked]) expect(await store.artifacts.grantExists(grantReference(grant))).toBe(true);
        await store.artifacts.destroy('Grant', destroyed);
        await store.artifacts.revokeByGrantId(revoked);
        expect(await store.artifacts.grantExists(grantReference(kept))).toBe(true);
        expect(await store.artifacts.grantExists(grantReference(destroyed))).toBe(false);
        expect(await store.artifacts.grantExists(grantReference(revoked))).toBe(false);
        expect(grantReference(kept)).not.toContain(kept);
      });

      it("is false for a grant never stored, a revoked client's grant, an expired grant, and anything not shaped like a reference", async () => {
        const [ofClient, shortLived] = [`g-client-${random()}`, `g-short-${random()}`];
        await store.artifacts.upsert('Grant', ofClient, { accountId: 'a', clientId: `client-${random()}` }, 60);
        await store.artifacts.upsert('Grant', shortLived, { accountId: 'a' }, 1);
        await store.artifacts.revokeByClientId((await store.artifacts.find('Grant', ofClient))!.clientId as string);
        await subject.elapse(1100);
        expect(await store.artifacts.grantExists(grantReference(ofClient))).toBe(false);
        expect(await store.artifacts.grantExists(grantReference(shortLived))).toBe(false);
        expect(await store.artifacts.grantExists(grantReference(`never-${random()}`))).toBe(false);
        for (const malformed of ['', ofClient, `${grantReference(ofClient)}x`, grantReference(ofClient).replace(/.$/, '*')]) {
          expect(await store.artifacts.grantExists(malformed)).toBe(false);
        }
      });
    });

    describe('clients', () => {
      /** A client's grants with a token of each grant-bound model, and its ClientCredentials tokens. */
      async function issue(clientId: string) {
        const grants = [`g-${random()}`, `g-${random()}`];
        const grantBound: [string, string][] = [];
        for (const grant of grants) {
          await store.artifacts.upsert('Grant', grant, { accountId: 'a', clientId }, 60);
          for (const model of ['AuthorizationCode', 'AccessToken', 'RefreshToken']) {
            const id = tokenFor(grant);
            await store.artifacts.upsert(model, id, { grantId: grant, clientId }, 60);
            grantBound.push([model, id]);
          }
        }
        const clientBound = [clientTokenFor(clientId), clientTokenFor(clientId)];
        for (const id of clientBound) await store.artifacts.upsert('ClientCredentials', id, { clientId }, 60);
        const all: [string, string][] = [...grants.map((g): [string, string] => ['Grant', g]), ...grantBound, ...clientBound.map((t): [string, string] => ['ClientCredentials', t])];
        return {
          present: async () => (await Promise.all(all.map(([model, id]) => store.artifacts.find(model, id)))).filter(Boolean).length,
          count: all.length,
        };
      }

      it("revokes a client's grants with their codes and tokens, and its ClientCredentials tokens, and nothing of another client's", async () => {
        const [gone, kept] = [`c-${random()}`, `c-${random()}`];
        const [revoked, other] = [await issue(gone), await issue(kept)];
        expect(await revoked.present()).toBe(revoked.count);
        await store.artifacts.revokeByClientId(gone);
        expect(await revoked.present()).toBe(0);
        expect(await other.present()).toBe(other.count);
        expect(await subject.indexSize(clientGrants(gone))).toBe(0);
        expect(await subject.indexSize(clientTokens(gone))).toBe(0);
      });

      it('is idempotent: a second revocation, or one of a client with nothing stored, succeeds and changes nothing', async () => {
        const [gone, kept] = [`c-${random()}`, `c-${random()}`];
        const other = await issue(kept);
        await issue(gone);
        await store.artifacts.revokeByClientId(gone);
        await store.artifacts.revokeByClientId(gone);
        await store.artifacts.revokeByClientId(`unknown-${random()}`);
        expect(await other.present()).toBe(other.count);
      });

      it('leaves artifacts that merely mention the client (a Session, an Interaction) alone', async () => {
        const client = `c-${random()}`;
        const session = `sess-${random()}`;
        await store.artifacts.upsert('Session', session, { accountId: 'a', authorizations: { [client]: { grantId: 'g' } } }, 60);
        await store.artifacts.upsert('Interaction', 'interaction', { clientId: client }, 60);
        await store.artifacts.revokeByClientId(client);
        expect(await store.artifacts.find('Interaction', 'interaction')).toEqual({ clientId: client });
        expect(await store.artifacts.find('Session', session)).toBeDefined();
      });

      it("still finds a grant renewed past its first lifetime, and that grant's later tokens", async () => {
        const client = `c-${random()}`;
        const grant = `g-${random()}`;
        await store.artifacts.upsert('Grant', grant, { accountId: 'a', clientId: client }, 1);
        await store.artifacts.renew('Grant', grant, 60);
        await subject.elapse(2100);
        // Writes to the grant's and the client's indexes after the grant's first lifetime drop what has expired there,
        // but not the renewed grant.
        const token = tokenFor(grant);
        await store.artifacts.upsert('RefreshToken', token, { grantId: grant, clientId: client }, 60);
        await store.artifacts.upsert('Grant', `g-${random()}`, { accountId: 'b', clientId: client }, 60);
        expect(await store.artifacts.find('Grant', grant)).toBeDefined();
        await store.artifacts.revokeByClientId(client);
        expect(await store.artifacts.find('Grant', grant)).toBeUndefined();
        expect(await store.artifacts.find('RefreshToken', token)).toBeUndefined();
      });

      it('drops expired members from the indexes of grants and clients as they are written', async () => {
        const client = `c-${random()}`;
        const [shortGrant, grant] = [`g-${random()}`, `g-${random()}`];
        await store.artifacts.upsert('Grant', shortGrant, { accountId: 'a', clientId: client }, 1);
        await store.artifacts.upsert('Grant', grant, { accountId: 'a', clientId: client }, 60);
        await store.artifacts.upsert('AccessToken', tokenFor(grant), { grantId: grant, clientId: client }, 1);
        await store.artifacts.upsert('ClientCredentials', clientTokenFor(client), { clientId: client }, 1);
        expect(await subject.indexSize(clientGrants(client))).toBe(2);
        expect(await subject.indexSize(grantArtifacts(grant))).toBe(2);
        expect(await subject.indexSize(clientTokens(client))).toBe(1);
        await subject.elapse(2100);
        await store.artifacts.upsert('Grant', grant, { accountId: 'a', clientId: client }, 60);
        await store.artifacts.upsert('RefreshToken', tokenFor(grant), { grantId: grant, clientId: client }, 60);
        await store.artifacts.upsert('ClientCredentials', clientTokenFor(client), { clientId: client }, 60);
        expect(await subject.indexSize(clientGrants(client))).toBe(1);
        expect(await subject.indexSize(grantArtifacts(grant))).toBe(2);
        expect(await subject.indexSize(clientTokens(client))).toBe(1);
      });
    });

    describe('consume', () => {
      it('consumes once, then reports reuse and revokes the grant', async () => {
        const grant = `g-${random()}`;
        const [code, sibling] = [tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        await store.artifacts.upsert('AuthorizationCode', code, { grantId: grant }, 60);
        await store.artifacts.upsert('AccessToken', sibling, { grantId: grant }, 60);
        expect(await store.artifacts.consume('AuthorizationCode', code)).toBe('consumed');
        expect((await store.artifacts.find('AuthorizationCode', code))?.consumed).toEqual(expect.any(Number));
        expect(await store.artifacts.consume('AuthorizationCode', code)).toBe('reused');
        expect(await store.artifacts.find('AccessToken', sibling)).toBeUndefined();
        expect(await store.artifacts.find('Grant', grant)).toBeUndefined();
        expect(await store.artifacts.consume('AuthorizationCode', code)).toBe('missing');
      });

      it('allows reuse within the payload grace window without revoking', async () => {
        const grant = `g-${random()}`;
        const token = tokenFor(grant);
        await store.artifacts.upsert('RefreshToken', token, { grantId: grant, reuseGrace: 30 }, 60);
        expect(await store.artifacts.consume('RefreshToken', token)).toBe('consumed');
        expect(await store.artifacts.consume('RefreshToken', token)).toBe('grace');
        expect(await store.artifacts.find('RefreshToken', token)).toBeDefined();
      });

      it('RFC 9700 §4.14.2: rotate spends a token and stores its successor and the access token at once; later rotations within the grace store only their access token and get the first successor', async () => {
        const grant = `g-${random()}`;
        const [spent, first, second, firstAccess, secondAccess] = [tokenFor(grant), tokenFor(grant), tokenFor(grant), tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        await store.artifacts.upsert('RefreshToken', spent, { grantId: grant, reuseGrace: 30 }, 60);
        expect(await store.artifacts.rotate(spent, refreshToken(first, { grantId: grant, n: 1 }), 'sealed-first', accessToken(firstAccess, grant))).toEqual({ outcome: 'consumed' });
        expect((await store.artifacts.find('RefreshToken', spent))?.consumed).toEqual(expect.any(Number));
        expect(await store.artifacts.rotate(spent, refreshToken(second, { grantId: grant, n: 2 }), 'sealed-second', accessToken(secondAccess, grant))).toEqual({ outcome: 'grace', linked: 'sealed-first' });
        expect(await store.artifacts.consume('RefreshToken', spent)).toBe('grace');
        expect(await store.artifacts.find('RefreshToken', first)).toEqual({ grantId: grant, n: 1 });
        expect(await store.artifacts.find('RefreshToken', second)).toBeUndefined();
        for (const id of [firstAccess, secondAccess]) expect(await store.artifacts.find('AccessToken', id)).toEqual({ grantId: grant });
        // The successor and the access tokens belong to the grant like any token of it.
        await store.artifacts.revokeByGrantId(grant);
        expect(await store.artifacts.find('RefreshToken', first)).toBeUndefined();
        expect(await store.artifacts.find('AccessToken', firstAccess)).toBeUndefined();
      });

      it('RFC 9700 §4.14.2: without a grace, rotating a spent token again is reuse: nothing stored, the grant revoked', async () => {
        const grant = `g-${random()}`;
        const [spent, first, second, access] = [tokenFor(grant), tokenFor(grant), tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        await store.artifacts.upsert('RefreshToken', spent, { grantId: grant }, 60);
        expect(await store.artifacts.rotate(spent, refreshToken(first, { grantId: grant }), '')).toEqual({ outcome: 'consumed' });
        expect(await store.artifacts.rotate(spent, refreshToken(second, { grantId: grant }), '', accessToken(access, grant))).toEqual({ outcome: 'reused' });
        for (const [model, id] of [['RefreshToken', first], ['RefreshToken', second], ['AccessToken', access], ['Grant', grant]] as const) expect(await store.artifacts.find(model, id)).toBeUndefined();
      });

      it('RFC 9700 §4.14.2: within the grace window, a token whose successor was consumed is reuse and revokes the grant', async () => {
        const grant = `g-${random()}`;
        const [spent, successor, sibling, late] = [tokenFor(grant), tokenFor(grant), tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        await store.artifacts.upsert('AccessToken', sibling, { grantId: grant }, 60);
        await store.artifacts.upsert('RefreshToken', spent, { grantId: grant, reuseGrace: 30 }, 60);
        await store.artifacts.rotate(spent, refreshToken(successor, { grantId: grant, reuseGrace: 30 }), 'sealed');
        expect(await store.artifacts.consume('RefreshToken', successor)).toBe('consumed');
        expect(await store.artifacts.rotate(spent, refreshToken(late, { grantId: grant }), 'sealed-late')).toEqual({ outcome: 'reused' });
        expect(await store.artifacts.consume('RefreshToken', spent)).toBe('missing');
        expect(await store.artifacts.find('AccessToken', sibling)).toBeUndefined();
        expect(await store.artifacts.find('Grant', grant)).toBeUndefined();
      });

      it('RFC 9700 §4.14.2: a token spent without a successor (a replica died in between) gets one within its grace, and keeps it', async () => {
        const grant = `g-${random()}`;
        const [spent, first, second] = [tokenFor(grant), tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('RefreshToken', spent, { grantId: grant, reuseGrace: 30 }, 60);
        expect(await store.artifacts.consume('RefreshToken', spent)).toBe('consumed');
        expect(await store.artifacts.rotate(spent, refreshToken(first, { grantId: grant }), 'sealed-first')).toEqual({ outcome: 'grace' });
        expect(await store.artifacts.rotate(spent, refreshToken(second, { grantId: grant }), 'sealed-second')).toEqual({ outcome: 'grace', linked: 'sealed-first' });
        expect(await store.artifacts.find('RefreshToken', first)).toEqual({ grantId: grant });
        expect(await store.artifacts.find('RefreshToken', second)).toBeUndefined();
      });

      it('unconsume: a code whose tokens were refused is consumable again; a token with a successor stays spent', async () => {
        const grant = `g-${random()}`;
        const [refused, rotated, successor] = [tokenFor(grant), tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('Grant', grant, { accountId: 'a' }, 60);
        for (const token of [refused, rotated]) await store.artifacts.upsert('RefreshToken', token, { grantId: grant }, 60);
        expect(await store.artifacts.consume('RefreshToken', refused)).toBe('consumed');
        await store.artifacts.unconsume('RefreshToken', refused);
        expect(await store.artifacts.consume('RefreshToken', refused)).toBe('consumed');
        await store.artifacts.rotate(rotated, refreshToken(successor, { grantId: grant }), '');
        await store.artifacts.unconsume('RefreshToken', rotated);
        expect(await store.artifacts.consume('RefreshToken', rotated)).toBe('reused');
        await store.artifacts.unconsume('RefreshToken', 'gone');
      });

      it('reports missing and stores nothing when the spent token is gone', async () => {
        const grant = `g-${random()}`;
        const [successor, access] = [tokenFor(grant), tokenFor(grant)];
        expect(await store.artifacts.rotate(tokenFor(grant), refreshToken(successor, { grantId: grant }), 'sealed', accessToken(access, grant))).toEqual({ outcome: 'missing' });
        expect(await store.artifacts.find('RefreshToken', successor)).toBeUndefined();
        expect(await store.artifacts.find('AccessToken', access)).toBeUndefined();
      });

      it('keeps the successor only sealed: a dump holds neither its id nor anything but the sealed value given', async () => {
        const grant = `g-${random()}`;
        const [spent, successor] = [tokenFor(grant), tokenFor(grant)];
        await store.artifacts.upsert('RefreshToken', spent, { grantId: grant, reuseGrace: 30 }, 60);
        await store.artifacts.rotate(spent, refreshToken(successor, { grantId: grant }), 'opaque-sealed-value');
        const dump = (await subject.dump()).join('\n');
        for (const id of [spent, successor]) expect(dump).not.toContain(id);
      });

      it('finds a refresh token with its grant in one read; the grant is undefined once gone, the token undefined when absent', async () => {
        const grant = `g-${random()}`;
        const token = tokenFor(grant);
        await store.artifacts.upsert('Grant', grant, { accountId: 'a', clientId: 'c' }, 60);
        await store.artifacts.upsert('RefreshToken', token, { grantId: grant, reuseGrace: 5 }, 60);
        expect(await store.artifacts.findWithGrant('RefreshToken', token)).toEqual({ payload: { grantId: grant, reuseGrace: 5 }, grant: { accountId: 'a', clientId: 'c' } });
        await store.artifacts.destroy('Grant', grant);
        expect(await store.artifacts.findWithGrant('RefreshToken', token)).toEqual({ payload: { grantId: grant, reuseGrace: 5 }, grant: undefined });
        expect(await store.artifacts.findWithGrant('RefreshToken', tokenFor(grant))).toBeUndefined();
      });

      it('reports missing for an unknown id', async () => {
        expect(await store.artifacts.consume('RefreshToken', 'nope')).toBe('missing');
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 50 concurrent consumers across two handles win', async () => {
        const peer = await subject.peer();
        try {
          const grant = `g-${random()}`;
          const token = tokenFor(grant);
          await store.artifacts.upsert('RefreshToken', token, { grantId: grant }, 60);
          const outcomes = await Promise.all(
            Array.from({ length: 50 }, (_, i) => (i % 2 ? peer : store).artifacts.consume('RefreshToken', token)),
          );
          expect(outcomes.filter((o) => o === 'consumed')).toHaveLength(1);
        } finally {
          if (peer !== store) await peer.close();
        }
      });
    });

    describe('rotation concurrency', () => {
      it('RFC 9700 §4.14.2: of 20 concurrent rotations of one token across two handles, one consumes it and stores its successor, and all the others get that one', async () => {
        const peer = await subject.peer();
        try {
          const grant = `g-${random()}`;
          const spent = tokenFor(grant);
          await store.artifacts.upsert('RefreshToken', spent, { grantId: grant, reuseGrace: 30 }, 60);
          const successors = Array.from({ length: 20 }, () => tokenFor(grant));
          const results = await Promise.all(successors.map((id, i) => (i % 2 ? peer : store).artifacts.rotate(spent, refreshToken(id, { grantId: grant }), `sealed-${id}`)));
          const winners = successors.filter((_, i) => results[i]!.outcome === 'consumed');
          expect(winners).toHaveLength(1);
          expect(results.filter((result) => result.outcome === 'grace').map((result) => result.linked)).toEqual(Array(19).fill(`sealed-${winners[0]}`));
          const stored = await Promise.all(successors.map((id) => store.artifacts.find('RefreshToken', id)));
          expect(stored.filter(Boolean)).toHaveLength(1);
        } finally {
          if (peer !== store) await peer.close();
        }
      });
    });

    describe('rate counters', () => {
      it('count hits per key within a window, and start over when it ends', async () => {
        const key = `login:${random()}`;
        expect(await store.counters.count(key)).toBe(0);
        expect(await store.counters.hit(key, 1)).toBe(1);
        expect(await store.counters.hit(key, 1)).toBe(2);
        expect(await store.counters.count(key)).toBe(2);
        expect(await store.counters.hit(`${key}-other`, 1)).toBe(1);
        await subject.elapse(2100);
        expect(await store.counters.count(key)).toBe(0);
        expect(await store.counters.hit(key, 1)).toBe(1);
      });

      it('take back one hit within the window, never below 0, and keep the window', async () => {
        const key = `guess:${random()}`;
        await store.counters.release(key);
        expect(await store.counters.count(key)).toBe(0);
        await store.counters.hit(key, 1);
        await store.counters.hit(key, 1);
        await store.counters.release(key);
        expect(await store.counters.count(key)).toBe(1);
        await store.counters.release(key);
        await store.counters.release(key);
        expect(await store.counters.count(key)).toBe(0);
        expect(await store.counters.hit(key, 1)).toBe(1);
        await subject.elapse(2100);
        expect(await store.counters.count(key)).toBe(0);
      });

      it('keep keys only as digests', async () => {
        const key = `login:10.1.2.3:${random()}`;
        await store.counters.hit(key, 60);
        expect((await subject.dump()).join('\n')).not.toContain(key);
      });
    });

    describe('client catalog', () => {
      it('puts, gets, lists and deletes records', async () => {
        const id = `client-${random()}`;
        const written = record(id);
        await store.clients.put(written);
        expect(await store.clients.get(id)).toEqual(written);
        expect((await store.clients.list()).map((r) => r.clientId)).toContain(id);
        expect(await store.clients.delete(id)).toBe(true);
        expect(await store.clients.delete(id)).toBe(false);
        expect(await store.clients.get(id)).toBeUndefined();
      });

      it('says which of many client_ids have no record, in the order asked', async () => {
        const ids = Array.from({ length: 50 }, (_, i) => `client-${i}-${random()}`);
        for (const id of ids.filter((_, i) => i % 3 === 0)) await store.clients.put(record(id));
        expect(await store.clients.missing(ids)).toEqual(ids.filter((_, i) => i % 3 !== 0));
        expect(await store.clients.missing([])).toEqual([]);
      });

      it('tells every handle about a change', async () => {
        const peer = await subject.peer();
        try {
          const id = `client-${random()}`;
          const seen = new Promise<string>((resolve) => peer.clients.onChange(resolve));
          await store.clients.put(record(id));
          expect(await seen).toBe(id);
        } finally {
          if (peer !== store) await peer.close();
        }
      });
    });

    describe('API catalog', () => {
      const api = (audience: string): ApiRecord => ({
        api: 'team-a/inventory',
        audience,
        scopes: ['inventory:read'],
        clients: { 'shop.team-b': { userDelegated: ['inventory:read'], clientCredentials: [] } },
        descriptions: { 'inventory:read': 'Read the stock' },
        resourceServers: ['backend.team-a'],
      });

      it('puts, gets, lists and deletes records by audience', async () => {
        const audience = `https://api-${random()}.example`;
        await store.apis.put(api(audience));
        expect(await store.apis.get(audience)).toEqual(api(audience));
        expect((await store.apis.list()).map((r) => r.audience)).toContain(audience);
        expect(await store.apis.delete(audience)).toBe(true);
        expect(await store.apis.delete(audience)).toBe(false);
        expect(await store.apis.get(audience)).toBeUndefined();
      });

      it('tells every handle about a deletion (what stops new tokens for the audience at once)', async () => {
        const peer = await subject.peer();
        try {
          const audience = `https://api-${random()}.example`;
          await store.apis.put(api(audience));
          const seen = new Promise<string>((resolve) => peer.apis.onChange(resolve));
          await store.apis.delete(audience);
          expect(await seen).toBe(audience);
        } finally {
          if (peer !== store) await peer.close();
        }
      });
    });

    describe('logout queue', () => logoutQueueCases(() => subject));

    describe('device codes at rest', () => deviceCodeCases(() => subject));
  });
}
