// The wrong-secret limit: learnt from the shared count, remembered for one window, forgiving of a store outage.
import { describe, expect, it } from 'vitest';

import { ClientAuthLimit } from '../../src/server/provider/client-auth-limit.ts';
import { createMemoryStore } from '../../src/store/memory/index.ts';
import { StoreUnavailableError } from '../../src/store/unavailable.ts';

describe('ClientAuthLimit', () => {
  it('refuses a key once its shared count reaches the limit, for one window, and no other key', async () => {
    let now = 1_000_000;
    const limit = new ClientAuthLimit(createMemoryStore().counters, { limit: 3, windowSeconds: 60, now: () => now });
    for (let i = 0; i < 2; i++) await limit.failed('a');
    expect(limit.refused('a')).toBe(false);
    await limit.failed('a');
    expect([limit.refused('a'), limit.refused('b')]).toEqual([true, false]);
    now += 60_000;
    expect(limit.refused('a')).toBe(false);
  });

  it('learns a count made by other replicas from its own next failure', async () => {
    const { counters } = createMemoryStore();
    const elsewhere = new ClientAuthLimit(counters, { limit: 3, windowSeconds: 60 });
    const here = new ClientAuthLimit(counters, { limit: 3, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) await elsewhere.failed('a');
    expect(here.refused('a')).toBe(false);
    await here.failed('a');
    expect(here.refused('a')).toBe(true);
  });

  it('lets failures go uncounted while the store is unavailable, and passes other errors on', async () => {
    const unavailable = new ClientAuthLimit({ hit: () => Promise.reject(new StoreUnavailableError('timeout', new Error('Command timed out'))), count: () => Promise.resolve(0), release: () => Promise.resolve() }, { limit: 1, windowSeconds: 60 });
    await expect(unavailable.failed('a')).resolves.toBeUndefined();
    expect(unavailable.refused('a')).toBe(false);
    const broken = new ClientAuthLimit({ hit: () => Promise.reject(new TypeError('bug')), count: () => Promise.resolve(0), release: () => Promise.resolve() }, { limit: 1, windowSeconds: 60 });
    await expect(broken.failed('a')).rejects.toThrow(TypeError);
  });
});
