import { describe, expect, it } from 'vitest';

import { CachedApiCatalog, CachedClientCatalog } from '../../src/store/cached-catalog.ts';
import { MemoryApiCatalog } from '../../src/store/memory/api-catalog.ts';
import { MemoryClientCatalog } from '../../src/store/memory/catalog.ts';
import { ALL_APIS, ALL_CLIENTS, type ApiRecord, type ClientRecord } from '../../src/store/types.ts';

const record = (clientId: string, name = 'v1'): ClientRecord => ({
  clientId,
  owner: `ns/${name}`,
  metadata: { client_id: clientId },
  secrets: [],
  policy: { scopes: [], audiences: [], accessTokenFormat: 'opaque', refreshTokenReuseGracePeriod: 0, requirePkce: true, skipConsent: false, corsOrigins: [] },
});

/** `catalog`, counting how often it is read. */
function countingReads<C extends { get(id: string): Promise<unknown> }>(catalog: C): C & { reads: number } {
  const counted = Object.assign(catalog, { reads: 0 });
  const get = catalog.get.bind(catalog);
  counted.get = ((id: string) => {
    counted.reads++;
    return get(id);
  }) as C['get'];
  return counted;
}

describe('CachedClientCatalog', () => {
  it('reads each client once, and again only after a change', async () => {
    const inner = countingReads(new MemoryClientCatalog());
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
    const inner = countingReads(new MemoryClientCatalog());
    const cached = new CachedClientCatalog(inner, { negativeTtlSeconds: 5, now: () => now });
    expect(await cached.get('ghost')).toBeUndefined();
    expect(await cached.get('ghost')).toBeUndefined();
    expect(inner.reads).toBe(1);
    now = 5001;
    await cached.get('ghost');
    expect(inner.reads).toBe(2);
  });

  it('drops everything when told changes may have been missed', async () => {
    const inner = countingReads(new MemoryClientCatalog());
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
    const inner = countingReads(new MemoryClientCatalog());
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

const api = (audience: string, scopes = ['read']): ApiRecord => ({ api: 'team/api', audience, scopes, clients: {}, descriptions: {}, resourceServers: [] });


describe('CachedApiCatalog (the same cache, for OAuthAPI records by audience)', () => {
  it('reads each audience once, and again only after a change or a deletion', async () => {
    const inner = countingReads(new MemoryApiCatalog());
    const cached = new CachedApiCatalog(inner);
    await inner.put(api('https://a.test'));
    await Promise.all([cached.get('https://a.test'), cached.get('https://a.test')]);
    expect(inner.reads).toBe(1);
    await inner.put(api('https://a.test', ['read', 'write']));
    expect((await cached.get('https://a.test'))?.scopes).toEqual(['read', 'write']);
    await inner.delete('https://a.test');
    expect(await cached.get('https://a.test')).toBeUndefined();
    expect(inner.reads).toBe(3);
  });

  it('forgets a new audience it remembered as absent as soon as it is declared, and everything on ALL_APIS', async () => {
    let notify: (audience: string) => void = () => {};
    const inner = countingReads(new MemoryApiCatalog());
    const onChange = inner.onChange.bind(inner);
    inner.onChange = (listener) => {
      notify = listener;
      return onChange(listener);
    };
    const cached = new CachedApiCatalog(inner, { negativeTtlSeconds: 3600 });
    expect(await cached.get('https://new.test')).toBeUndefined();
    await inner.put(api('https://new.test'));
    expect(await cached.get('https://new.test')).toBeDefined();
    notify(ALL_APIS);
    expect(cached.peek('https://new.test')).toBeUndefined();
    expect(await cached.get('not an audience')).toBeUndefined();
    expect(inner.reads).toBe(2);
  });
});
