import { describe, expect, it } from 'vitest';

import { CachedClientCatalog } from '../../src/store/cached-catalog.ts';
import { MemoryClientCatalog } from '../../src/store/memory/catalog.ts';
import { ALL_CLIENTS, type ClientRecord } from '../../src/store/types.ts';

const record = (clientId: string, name = 'v1'): ClientRecord => ({
  clientId,
  owner: `ns/${name}`,
  metadata: { client_id: clientId },
  secrets: [],
  policy: { scopes: [], audiences: [], accessTokenFormat: 'opaque', refreshTokenReuseGracePeriod: 0, requirePkce: true, skipConsent: false, corsOrigins: [] },
});

/** A catalog that counts how often it is read. */
class CountingCatalog extends MemoryClientCatalog {
  reads = 0;
  override async get(clientId: string) {
    this.reads++;
    return super.get(clientId);
  }
}

describe('CachedClientCatalog', () => {
  it('reads each client once, and again only after a change', async () => {
    const inner = new CountingCatalog();
    const cached = new CachedClientCatalog(inner);
    await inner.put(record('a'));
    await Promise.all([cached.get('a'), cached.get('a'), cached.get('a')]);
    expect(inner.reads).toBe(1);
    await inner.put(record('a', 'v2'));
    expect((await cached.get('a'))?.owner).toBe('ns/v2');
    expect(inner.reads).toBe(2);
  });

  it('remembers an absent client only for the negative TTL', async () => {
    let now = 0;
    const inner = new CountingCatalog();
    const cached = new CachedClientCatalog(inner, { negativeTtlSeconds: 5, now: () => now });
    expect(await cached.get('ghost')).toBeUndefined();
    expect(await cached.get('ghost')).toBeUndefined();
    expect(inner.reads).toBe(1);
    now = 5001;
    await cached.get('ghost');
    expect(inner.reads).toBe(2);
  });

  it('drops everything when told changes may have been missed', async () => {
    const inner = new CountingCatalog();
    let notify: (clientId: string) => void = () => {};
    inner.onChange = (listener) => {
      notify = listener;
      return () => {};
    };
    const cached = new CachedClientCatalog(inner);
    await inner.put(record('a'));
    await inner.put(record('b'));
    await Promise.all([cached.get('a'), cached.get('b')]);
    notify('b');
    expect([cached.peek('a'), cached.peek('b')].map(Boolean)).toEqual([true, false]);
    // What the Redis catalog sends after its subscription reconnects.
    notify(ALL_CLIENTS);
    expect(cached.peek('a')).toBeUndefined();
  });

  it('remembers at most 1000 absent client_ids, and never looks up one that cannot exist', async () => {
    const inner = new CountingCatalog();
    const cached = new CachedClientCatalog(inner);
    for (let i = 0; i < 1500; i++) await cached.get(`ghost-${i}`);
    expect(inner.reads).toBe(1500);
    await cached.get('ghost-1499');
    expect(inner.reads).toBe(1500);
    await cached.get('ghost-0');
    expect(inner.reads).toBe(1501);
    expect(await cached.get('has space')).toBeUndefined();
    expect(await cached.get('x'.repeat(201))).toBeUndefined();
    expect(inner.reads).toBe(1501);
  });
});
