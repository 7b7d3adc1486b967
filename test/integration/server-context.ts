// One Purser server (in this process, real Redis, real HTTP) for a test file.
import { afterAll, beforeAll, inject } from 'vitest';

import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';

export function usePurser(name: string): { readonly server: TestServer } {
  const context = {} as { server: TestServer };
  beforeAll(async () => {
    context.server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix(name), fixtures: await writeFixtures() });
  });
  afterAll(async () => context.server?.close());
  return context;
}
