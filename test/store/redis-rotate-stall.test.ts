// A refresh rotation (ArtifactStore.rotate) sent to a Redis that stalls (CLIENT PAUSE, as a failover pauses writes;
// a slow fsync; SIGSTOP) times out after commandTimeout, and the server answers 503 temporarily_unavailable: "retry
// later" (RFC 6749 §5.2 via the errors module). But a paused Redis runs what it was sent once the pause ends: the token
// is spent and its successor stored, never handed out. The retry the 503 asks for then presents a spent token, which
// without a reuse grace is reuse (RFC 9700 §4.14.2): the whole grant is revoked and the user signed out of the client.
// The property: a rotation that timed out must leave the retry of the same token usable (or hand it the successor).
// The store sends KEEP_FOR_RETRY right behind a rotation that timed out (src/store/redis/artifacts.ts): the retry is
// answered as a presentation within a reuse grace, with the successor the stalled rotation stored.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { grantBoundId } from '../../src/store/keys.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import { openSuccessor, sealSuccessor } from '../../src/store/successor-seal.ts';
import type { Store } from '../../src/store/types.ts';
import { startRedisCluster } from '../support/redis-cluster.ts';
import { startRedisServer } from '../support/redis-server.ts';

/** A store on a fresh Redis, with admin connections to each of its nodes (to stall them all at once). */
interface Backend {
  store: Store;
  admins: Redis[];
  stop(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 500;

async function standalone(): Promise<Backend> {
  const server = await startRedisServer();
  const store = await createRedisStore({ url: server.url, mode: 'standalone', prefix: 'rotate-stall:', commandTimeoutMs: COMMAND_TIMEOUT_MS });
  return { store, admins: [new Redis(server.url)], stop: () => server.stop() };
}

async function cluster(): Promise<Backend> {
  const started = await startRedisCluster();
  const store = await createRedisStore({ url: started.seeds, mode: 'cluster', prefix: 'rotate-stall:', commandTimeoutMs: COMMAND_TIMEOUT_MS });
  return { store, admins: started.nodes.map((node) => new Redis(node.url)), stop: () => started.stop() };
}

describe.each([
  ['a single Redis', standalone],
  ['a Redis Cluster', cluster],
])('a rotation stalled in %s', (_name, start) => {
  let backend: Backend;
  let store: Store;
  /** Stalls every node for 1.5 s (CLIENT PAUSE ALL, as a failover pauses a primary). */
  const pause = () => Promise.all(backend.admins.map((admin) => admin.call('CLIENT', 'PAUSE', '1500', 'ALL')));
  /** Once the pause ends, Redis answers again (PING waits for it). */
  const resumed = () => Promise.all(backend.admins.map((admin) => admin.ping()));

  beforeAll(async () => {
    backend = await start();
    store = backend.store;
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    for (const admin of backend?.admins ?? []) admin.disconnect();
    await backend?.stop();
  });

  it('RFC 9700 §4.14.2: the retry after a rotation that timed out in a stalled Redis is not taken for reuse; the grant survives', async () => {
    const grantId = 'grant-stall';
    const [presented, first, second] = ['a', 'b', 'c'].map((random) => grantBoundId(grantId, random.repeat(43)));
    const write = (id: string) => ({ model: 'RefreshToken', id, payload: { grantId, kind: 'RefreshToken' }, expiresIn: 60 });
    await store.artifacts.upsert('Grant', grantId, { clientId: 'stall.test', kind: 'Grant' }, 60);
    await store.artifacts.upsert('RefreshToken', presented!, { grantId, kind: 'RefreshToken' }, 60);
    // A rotation before, as on any server in use: Redis knows the script (else the stalled EVALSHA would meet NOSCRIPT).
    // Of the same grant, so of the same Cluster node.
    const [earlier, earlierSuccessor] = ['d', 'e'].map((random) => grantBoundId(grantId, random.repeat(43)));
    await store.artifacts.upsert('RefreshToken', earlier!, { grantId, kind: 'RefreshToken' }, 60);
    expect(await store.artifacts.rotate(earlier!, write(earlierSuccessor!), '')).toEqual({ outcome: 'consumed' });

    await pause();
    // The server's first attempt: times out (the 503 the client is given), Redis still holding the command.
    await expect(store.artifacts.rotate(presented!, write(first!), '')).rejects.toThrow();
    await resumed();

    // The client's retry with the same token, as the 503 asked.
    // Read as the adapter reads it: its consumption within the retry window, which the adapter hides from oidc-provider.
    const read = await store.artifacts.findWithGrant('RefreshToken', presented!);
    expect(Math.floor(Date.now() / 1000) - read!.payload.consumed!).toBeLessThan(read!.payload.reuseGrace!);
    const retry = await store.artifacts.rotate(presented!, write(second!), '');
    // Handed the successor the stalled rotation stored, as within a reuse grace; the one minted for the retry is not stored.
    expect(retry.outcome).toBe('grace');
    expect(openSuccessor(presented!, retry.linked!)).toBe(first);
    expect(await store.artifacts.find('RefreshToken', second!)).toBeUndefined();
    // The grant and the token first stored for it are still there.
    expect((await store.artifacts.findWithGrant('RefreshToken', first!))?.grant).toMatchObject({ clientId: 'stall.test' });

    // Once that successor is used, the chain has moved on: the old token again is reuse, and revokes the grant.
    const [third] = ['f'].map((random) => grantBoundId(grantId, random.repeat(43)));
    expect(await store.artifacts.rotate(first!, write(third!), '')).toEqual({ outcome: 'consumed' });
    expect((await store.artifacts.rotate(presented!, write(second!), '')).outcome).toBe('reused');
    expect(await store.artifacts.find('Grant', grantId)).toBeUndefined();
  }, 20_000);

  it('RFC 9700 §4.14.2: a stalled rotation that found the token already rotated widens nothing: the retry window is only for the successor it stored', async () => {
    const grantId = 'grant-linked';
    const [presented, earlier, first, second] = ['g', 'h', 'i', 'j'].map((random) => grantBoundId(grantId, random.repeat(43)));
    const payload = { grantId, kind: 'RefreshToken', reuseGrace: 10 };
    const write = (id: string) => ({ model: 'RefreshToken', id, payload, expiresIn: 60 });
    await store.artifacts.upsert('Grant', grantId, { clientId: 'stall.test', kind: 'Grant' }, 60);
    await store.artifacts.upsert('RefreshToken', presented!, payload, 60);
    // Another presentation rotated it first; the stalled one, within the grace, is linked to that successor.
    expect(await store.artifacts.rotate(presented!, write(earlier!), sealSuccessor(presented!, earlier!))).toEqual({ outcome: 'consumed' });
    await pause();
    await expect(store.artifacts.rotate(presented!, write(first!), sealSuccessor(presented!, first!))).rejects.toThrow();
    await resumed();

    expect((await store.artifacts.findWithGrant('RefreshToken', presented!))?.payload.reuseGrace).toBe(10);
    const retry = await store.artifacts.rotate(presented!, write(second!), sealSuccessor(presented!, second!));
    expect(retry.outcome).toBe('grace');
    expect(openSuccessor(presented!, retry.linked!)).toBe(earlier);
    expect(await store.artifacts.find('RefreshToken', first!)).toBeUndefined();
  }, 20_000);
});
