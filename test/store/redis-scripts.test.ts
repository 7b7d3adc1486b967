// The Redis store's scripts on a Redis that has lost them (restarted, failed over, SCRIPT FLUSH): each call that meets
// NOSCRIPT is sent again with the script's text, and later calls name the script by its SHA-1 again. A private
// redis-server, so that flushing its scripts disturbs no other test file.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { grantBoundId } from '../../src/store/keys.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';

let server: StartedRedisServer;
let store: Store;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  store = await createRedisStore({ url: server.url, mode: 'standalone', prefix: 'scripts:' });
  admin = new Redis(server.url);
});

afterAll(async () => {
  await store?.close();
  admin?.disconnect();
  await server?.stop();
});

/** Calls of `command` Redis has run since the last CONFIG RESETSTAT. */
async function calls(command: 'eval' | 'evalsha'): Promise<number> {
  const stats = String(await admin.info('commandstats'));
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

it('runs a refresh rotation again from the script text after SCRIPT FLUSH, then by SHA-1', async () => {
  const grantId = 'grant-scripts';
  const [first, second, third] = ['a', 'b', 'c'].map((random) => grantBoundId(grantId, random.repeat(43)));
  const write = (id: string) => ({ model: 'RefreshToken', id, payload: { grantId, kind: 'RefreshToken' }, expiresIn: 60 });
  await store.artifacts.upsert('Grant', grantId, { clientId: 'scripts.test', kind: 'Grant' }, 60);
  await store.artifacts.upsert('RefreshToken', first!, { grantId, kind: 'RefreshToken' }, 60);

  await admin.script('FLUSH');
  await admin.config('RESETSTAT');
  expect((await store.artifacts.findWithGrant('RefreshToken', first!))?.grant).toMatchObject({ clientId: 'scripts.test' });
  expect(await store.artifacts.rotate(first!, write(second!), '')).toEqual({ outcome: 'consumed' });
  // Each script met NOSCRIPT once (EVALSHA refused) and ran from its text (EVAL).
  expect({ eval: await calls('eval'), evalsha: await calls('evalsha') }).toEqual({ eval: 2, evalsha: 2 });

  expect((await store.artifacts.findWithGrant('RefreshToken', second!))?.payload).toMatchObject({ grantId });
  expect(await store.artifacts.rotate(second!, write(third!), '')).toEqual({ outcome: 'consumed' });
  expect({ eval: await calls('eval'), evalsha: await calls('evalsha') }).toEqual({ eval: 2, evalsha: 4 });
  expect(await store.artifacts.rotate(first!, write(grantBoundId(grantId, 'd'.repeat(43))), '')).toEqual({ outcome: 'reused' });
});
