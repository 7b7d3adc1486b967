// The store's scripts (script-runner.ts: EVALSHA written at once with the socket corked until the event loop's check
// phase) across a Redis that dies with calls still corked, unsent, and comes back empty (no data, no scripts) on the
// same port. Every call settles (a result, or a store error the server answers 503), none hangs; once Redis is back,
// calls succeed again, from the scripts' text (NOSCRIPT) and then by SHA-1. A private redis-server.
import { afterAll, beforeAll, expect, it } from 'vitest';

import { grantBoundId } from '../../src/store/keys.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';

let server: StartedRedisServer;
let store: Store;

beforeAll(async () => {
  server = await startRedisServer();
  store = await createRedisStore({ url: server.url, mode: 'standalone', prefix: 'restart:', commandTimeoutMs: 2_000 });
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

const grantId = 'grant-restart';
const tokenId = (n: number) => grantBoundId(grantId, String(n).padStart(43, 'a'));

it('settles every call corked when Redis died, then works on the restarted, empty Redis', async () => {
  await store.artifacts.upsert('Grant', grantId, { clientId: 'restart.test', kind: 'Grant' }, 60);
  for (let n = 0; n < 10; n++) await store.artifacts.upsert('RefreshToken', tokenId(n), { grantId, kind: 'RefreshToken' }, 60);

  // Twenty calls written to the corked socket in this turn, then the server killed before the turn ends.
  const calls = Array.from({ length: 10 }, (_, n) => [store.artifacts.findWithGrant('RefreshToken', tokenId(n)), store.artifacts.upsert('AccessToken', `at-${n}`, { kind: 'AccessToken' }, 60)]).flat();
  const port = server.port;
  server.process.kill('SIGKILL');
  const settled = Promise.allSettled(calls);
  await server.stop();
  server = await startRedisServer({ port });
  const outcomes = await settled;
  expect(outcomes).toHaveLength(20);
  for (const outcome of outcomes) if (outcome.status === 'rejected') expect(String(outcome.reason)).toMatch(/Redis|connection|Connection|timeout|ECONNREFUSED|Stream/);

  // The restarted Redis is empty: it knows no script. Write, read and rotate work again.
  await store.artifacts.upsert('Grant', grantId, { clientId: 'restart.test', kind: 'Grant' }, 60);
  await store.artifacts.upsert('RefreshToken', tokenId(20), { grantId, kind: 'RefreshToken' }, 60);
  expect((await store.artifacts.findWithGrant('RefreshToken', tokenId(20)))?.grant).toMatchObject({ clientId: 'restart.test' });
  const successor = { model: 'RefreshToken', id: tokenId(21), payload: { grantId, kind: 'RefreshToken' }, expiresIn: 60 };
  expect(await store.artifacts.rotate(tokenId(20), successor, '')).toEqual({ outcome: 'consumed' });
  expect(await store.artifacts.rotate(tokenId(20), { ...successor, id: tokenId(22) }, '')).toEqual({ outcome: 'reused' });
}, 30_000);
