// The issuer keys' way from the API server to the verifier: the controller's publisher keeps each source's last good
// keys when a read fails and writes the record on every run (its TTL never runs out while the controller lives);
// the server's key cache imports a record once, keeps its keys while the store is down or the record gone, and reads
// again at once (at most once a second) for a kid it does not hold (a key rotation). No sleeps: clocks are injected.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { issuerPublisher, ISSUERS_TTL_SECONDS, type IssuerSource } from '../../src/controller/workload-issuers/publish.ts';
import { readTrustedIssuers, trustedIssuerKeys } from '../../src/controller/workload-issuers/trusted.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryWorkloadIssuers } from '../../src/store/memory/workload-issuers.ts';
import type { WorkloadIssuer, WorkloadIssuerRecord, WorkloadIssuerStore } from '../../src/store/types.ts';
import { IssuerKeys } from '../../src/server/workload/issuer-keys.ts';

const jwk = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kty: 'EC', kid });
const log = createLogger({ level: 'silent', format: 'json' });

/** A source whose next reads answer the given keys, or fail for `'down'`. */
function source(name: string, issuer: string, answers: Array<WorkloadIssuer['keys'] | 'down'>): IssuerSource {
  return {
    name,
    read: async () => {
      const answer = answers.shift();
      if (!answer || answer === 'down') throw new Error(`${name} is down`);
      return { issuer, keys: answer };
    },
  };
}

/** A store that records each write and its TTL. */
class RecordingStore implements WorkloadIssuerStore {
  writes: Array<{ record: WorkloadIssuerRecord; ttl: number }> = [];
  async get() {
    return this.writes.at(-1)?.record;
  }
  async put(record: WorkloadIssuerRecord, ttl: number) {
    this.writes.push({ record, ttl });
  }
}

describe('issuerPublisher (controller)', () => {
  it('publishes every source together, keeps a failed source at its last good keys, and writes on every run', async () => {
    const [k1, k2, t1] = [jwk('k1'), jwk('k2'), jwk('t1')];
    const store = new RecordingStore();
    const cluster = source('cluster', 'https://kubernetes.default.svc', [[k1], 'down', [k1, k2]]);
    const trusted = source('trusted', 'https://east.example', [[t1], [t1], 'down']);
    const publish = issuerPublisher({ store, sources: async () => [cluster, trusted], log, now: () => 1_000_000 });
    for (let run = 0; run < 3; run++) await publish();
    expect(store.writes.map(({ record }) => record.issuers.map(({ issuer, keys }) => `${issuer}:${keys.map((key) => key.kid).join('+')}`))).toEqual([
      ['https://kubernetes.default.svc:k1', 'https://east.example:t1'],
      ['https://kubernetes.default.svc:k1', 'https://east.example:t1'],
      ['https://kubernetes.default.svc:k1+k2', 'https://east.example:t1'],
    ]);
    expect(store.writes.every(({ ttl, record }) => ttl === ISSUERS_TTL_SECONDS && record.readAt === 1000)).toBe(true);
  });

  it('writes nothing before any source was read once (the servers then say the keys are not published yet)', async () => {
    const store = new RecordingStore();
    await issuerPublisher({ store, sources: async () => [source('cluster', 'https://kubernetes.default.svc', ['down'])], log })();
    expect(store.writes).toEqual([]);
  });

  it('drops a trusted issuer that the file no longer lists', async () => {
    const store = new RecordingStore();
    let sources = [source('cluster', 'c', [[jwk('k1')], [jwk('k1')]]), source('trusted', 't', [[jwk('t1')]])];
    const publish = issuerPublisher({ store, sources: async () => sources, log });
    await publish();
    sources = sources.slice(0, 1);
    await publish();
    expect(store.writes.at(-1)!.record.issuers.map(({ issuer }) => issuer)).toEqual(['c']);
  });
});

describe('IssuerKeys (server)', () => {
  const record = (...kids: string[]): WorkloadIssuerRecord => ({ readAt: 0, issuers: [{ issuer: 'https://kubernetes.default.svc', keys: kids.map(jwk) }] });
  const kidsOf = (keys: IssuerKeys) => keys.current?.get('https://kubernetes.default.svc')?.map((key) => key.kid);

  it('holds nothing until a record is published, then its imported keys', async () => {
    const store = new MemoryWorkloadIssuers();
    const keys = new IssuerKeys(store);
    await keys.refresh();
    expect(keys.current).toBeUndefined();
    await store.put(record('k1'), 60);
    await keys.refresh();
    expect(kidsOf(keys)).toEqual(['k1']);
  });

  it('keeps the last keys while the store fails or the record is gone', async () => {
    let answer: () => Promise<WorkloadIssuerRecord | undefined> = async () => record('k1');
    const keys = new IssuerKeys({ get: () => answer(), put: async () => {} });
    await keys.refresh();
    answer = () => Promise.reject(new Error('redis down'));
    await keys.refresh();
    expect(kidsOf(keys)).toEqual(['k1']);
    answer = async () => undefined;
    await keys.refresh();
    expect(kidsOf(keys)).toEqual(['k1']);
  });

  it('imports an unchanged record once: the same key objects stay', async () => {
    const store = new MemoryWorkloadIssuers();
    await store.put(record('k1'), 60);
    const keys = new IssuerKeys(store);
    await keys.refresh();
    const first = keys.current;
    await keys.refresh();
    expect(keys.current).toBe(first);
  });

  it('waits for a read under way (the one at start) instead of answering with no keys', async () => {
    let release: (record: WorkloadIssuerRecord) => void = () => {};
    const keys = new IssuerKeys({ get: () => new Promise<WorkloadIssuerRecord>((resolve) => (release = resolve)), put: async () => {} }, () => 0);
    const first = keys.refresh();
    const answer = keys.forToken('https://kubernetes.default.svc', 'k1');
    release(record('k1'));
    await first;
    expect((await answer)?.get('https://kubernetes.default.svc')?.map((key) => key.kid)).toEqual(['k1']);
  });

  it('reads again for a kid it does not hold, at most once a second', async () => {
    let now = 10_000;
    let reads = 0;
    let published = record('k1');
    const keys = new IssuerKeys({ get: async () => (reads++, published), put: async () => {} }, () => now);
    await keys.refresh();
    published = record('k1', 'k2');
    now += 200;
    await keys.forToken('https://kubernetes.default.svc', 'k2');
    expect([reads, kidsOf(keys)]).toEqual([1, ['k1']]);
    now += 800;
    await keys.forToken('https://kubernetes.default.svc', 'k2');
    expect([reads, kidsOf(keys)]).toEqual([2, ['k1', 'k2']]);
    await keys.forToken('https://kubernetes.default.svc', 'k1');
    expect(reads).toBe(2);
  });
});

describe('readTrustedIssuers (PURSER_TRUSTED_ISSUERS_FILE)', () => {
  const withFile = async (text: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-trusted-'));
    await writeFile(join(dir, 'issuers.yaml'), text);
    try {
      return await readTrustedIssuers(join(dir, 'issuers.yaml'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('reads issuers with a JWKS URL or inline keys', async () => {
    const key = jwk('east-1');
    expect(await withFile(stringify([{ issuer: 'https://west.example', jwksUri: 'https://west.example/keys' }, { issuer: 'https://east.example', jwks: { keys: [key] } }]))).toEqual([
      { issuer: 'https://west.example', jwksUri: 'https://west.example/keys' },
      { issuer: 'https://east.example', jwks: { keys: [key] } },
    ]);
    expect(await trustedIssuerKeys({ issuer: 'https://east.example', jwks: { keys: [key] } })).toEqual({ issuer: 'https://east.example', keys: [key] });
  });

  it.each([
    ['not a list', 'issuer: x', /expected a list/],
    ['no issuer', '[{jwksUri: "https://a.example/keys"}]', /\[0\]: issuer is required/],
    ['both sources', '[{issuer: a, jwksUri: "https://a.example/keys", jwks: {keys: []}}]', /set exactly one of jwksUri and jwks/],
    ['neither source', '[{issuer: a}]', /set exactly one of jwksUri and jwks/],
    ['a JWKS URL over http', '[{issuer: a, jwksUri: "http://a.example/keys"}]', /jwksUri must be https/],
  ])('refuses %s', async (_label, text, message) => {
    await expect(withFile(text)).rejects.toThrow(message);
  });
});
