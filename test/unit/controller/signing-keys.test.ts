// The signing-key schedule (a pure function of keys and clock) and the reconcile that keeps the key Secret on it,
// over the recording fake API server: what is created, rotated, retired and removed, when, and that a second look
// at the same instant writes nothing.
import { describe, expect, it } from 'vitest';

import { KEY_SET_FILES, type Jwk, type SigningAlgorithm } from '../../../src/api/key-set.ts';
import { longestSignedLifetimeMs } from '../../../src/controller/keys/lifetimes.ts';
import { planSigningKeys, type ManagedJwk } from '../../../src/controller/keys/plan.ts';
import { KeySecretError, reconcileKeys, type KeysContext } from '../../../src/controller/keys/reconcile.ts';
import { createLogger } from '../../../src/log.ts';
import type { OAuthClientResource } from '../../../src/controller/kube.ts';
import { FakeCluster, oauthClient } from './fakes.ts';

const HOUR = 3_600_000;
const POLICY = { rotationPeriodMs: 24 * HOUR, retentionMs: 2 * HOUR };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** Keys named `<alg>-<n>` in the order they are made, so expectations can name them. */
function keyMaker() {
  let n = 0;
  return (alg: SigningAlgorithm): Jwk => ({ kty: alg === 'ES256' ? 'EC' : 'RSA', alg, use: 'sig', kid: `${alg.toLowerCase()}-${++n}`, d: 'private' });
}

const summary = (keys: ManagedJwk[]) => keys.map((key) => `${key.kid} ${key.purser!.state}${key.key_ops ? ' verify-only' : ''}`);

describe('planSigningKeys', () => {
  it('starts with a signing key and a published next key per algorithm', () => {
    const plan = planSigningKeys([], T0, POLICY, keyMaker());
    expect(summary(plan.keys)).toEqual(['es256-1 current', 'rs256-3 current', 'es256-2 next verify-only', 'rs256-4 next verify-only']);
    expect(plan.changes).toEqual(['created ES256', 'published es256-2', 'created RS256', 'published rs256-4']);
    expect(plan.nextDueAt).toEqual(at(24 * HOUR));
  });

  it('changes nothing before a key is due, however often it is asked', () => {
    const first = planSigningKeys([], T0, POLICY, keyMaker());
    const again = planSigningKeys(first.keys, at(24 * HOUR - 1), POLICY, keyMaker());
    expect(again.keys).toEqual(first.keys);
    expect(again.changes).toEqual([]);
  });

  it('rotates at the end of a period: next signs, current retires, a new next is published', () => {
    const make = keyMaker();
    const first = planSigningKeys([], T0, POLICY, make);
    const rotated = planSigningKeys(first.keys, at(24 * HOUR), POLICY, make);
    expect(summary(rotated.keys)).toEqual([
      'es256-2 current',
      'rs256-4 current',
      'es256-5 next verify-only',
      'rs256-6 next verify-only',
      'es256-1 retired verify-only',
      'rs256-3 retired verify-only',
    ]);
    expect(rotated.keys.find((key) => key.kid === 'es256-1')!.purser!.since).toBe(at(24 * HOUR).toISOString());
    // The earliest of: the next rotation, the retired keys' removal.
    expect(rotated.nextDueAt).toEqual(at(26 * HOUR));
  });

  it('keeps a retired key for the retention window, then removes it', () => {
    const make = keyMaker();
    const rotated = planSigningKeys(planSigningKeys([], T0, POLICY, make).keys, at(24 * HOUR), POLICY, make);
    expect(planSigningKeys(rotated.keys, at(26 * HOUR - 1), POLICY, make).keys.map((key) => key.kid)).toContain('es256-1');
    const pruned = planSigningKeys(rotated.keys, at(26 * HOUR), POLICY, make);
    expect(pruned.keys.map((key) => key.kid)).not.toContain('es256-1');
    expect(pruned.changes).toEqual(['removed es256-1', 'removed rs256-3']);
    expect(pruned.nextDueAt).toEqual(at(48 * HOUR));
  });

  it('rotates once, not once per missed period, after a long outage', () => {
    const make = keyMaker();
    const late = planSigningKeys(planSigningKeys([], T0, POLICY, make).keys, at(100 * 24 * HOUR), POLICY, make);
    expect(late.keys.filter((key) => key.purser!.state === 'retired').map((key) => key.kid)).toEqual(['es256-1', 'rs256-3']);
    expect(late.keys.filter((key) => key.purser!.state === 'current').map((key) => key.kid)).toEqual(['es256-2', 'rs256-4']);
  });

  it('adopts hand-made keys: the first of an algorithm signs, the others retire; other algorithms are dropped', () => {
    const handMade: Jwk[] = [
      { kty: 'EC', alg: 'ES256', kid: 'mine-es', d: 'x' },
      { kty: 'EC', alg: 'ES256', kid: 'old-es', d: 'x' },
      { kty: 'RSA', alg: 'RS256', kid: 'mine-rs', d: 'x' },
      { kty: 'OKP', alg: 'EdDSA', kid: 'ed', d: 'x' },
    ];
    const plan = planSigningKeys(handMade, T0, POLICY, keyMaker());
    expect(summary(plan.keys)).toEqual(['mine-es current', 'mine-rs current', 'es256-1 next verify-only', 'rs256-2 next verify-only', 'old-es retired verify-only']);
    expect(plan.changes).toContain('removed ed (EdDSA)');
    expect(plan.changes).toContain('adopted mine-es');
  });
});

describe('planSigningKeys on a hand-edited Secret', () => {
  const life = (state: string, since: unknown) => ({ purser: { state, since } }) as unknown as Partial<ManagedJwk>;
  const es = (kid: string, extra: Partial<ManagedJwk> = {}): ManagedJwk => ({ kty: 'EC', alg: 'ES256', kid, d: 'x', ...extra });
  const rs = (kid: string): ManagedJwk => ({ kty: 'RSA', alg: 'RS256', kid, d: 'x', ...life('current', T0.toISOString()) });
  const kids = (plan: { keys: ManagedJwk[] }) => plan.keys.map((key) => key.kid);

  it('keeps publishing a second current key (it may have signed) and lets only one sign', () => {
    const plan = planSigningKeys([es('a', life('current', T0.toISOString())), es('b', life('current', T0.toISOString())), rs('r')], at(HOUR), POLICY, keyMaker());
    expect(summary(plan.keys).filter((line) => line.startsWith('a ') || line.startsWith('b '))).toEqual(['a current', 'b retired verify-only']);
  });

  it('keeps publishing keys whose life it does not understand', () => {
    const plan = planSigningKeys([es('a', life('current', T0.toISOString())), es('odd', life('pending', T0.toISOString())), es('junk', { purser: 'x' } as unknown as Partial<ManagedJwk>), rs('r')], at(HOUR), POLICY, keyMaker());
    expect(kids(plan)).toEqual(expect.arrayContaining(['a', 'odd', 'junk']));
    expect(summary(plan.keys).filter((line) => line.endsWith('current'))).toEqual(['a current', 'r current']);
  });

  it('restarts the clock of a key whose since is missing or unreadable, instead of removing it or looping', () => {
    const keys = [es('a', life('current', 'yesterday')), es('old', life('retired', undefined)), rs('r')];
    const plan = planSigningKeys(keys, at(HOUR), POLICY, keyMaker());
    expect(summary(plan.keys)).toContain('old retired verify-only');
    expect(plan.keys.find((key) => key.kid === 'a')!.purser!.since).toBe(at(HOUR).toISOString());
    expect(plan.nextDueAt).toEqual(at(HOUR + POLICY.retentionMs));
  });

  it('never signs with a key published less than a period ago, even when the current one is due', () => {
    // The next key was removed by hand just before the rotation.
    const make = keyMaker();
    const plan = planSigningKeys([es('a', life('current', T0.toISOString())), rs('r')], at(24 * HOUR - 1), POLICY, make);
    const due = planSigningKeys(plan.keys, at(24 * HOUR), POLICY, make);
    expect(summary(due.keys).filter((line) => line.startsWith('a ') || line.startsWith('es256'))).toEqual(['a current', 'es256-1 next verify-only']);
    expect(due.nextDueAt).toEqual(at(48 * HOUR - 1));
    const later = planSigningKeys(due.keys, at(48 * HOUR - 1), POLICY, make);
    expect(summary(later.keys).filter((line) => line.startsWith('es256-1'))).toEqual(['es256-1 current']);
  });
});

describe('reconcileKeys', () => {
  const NAMESPACE = 'purser-system';
  const NAME = 'purser-keys';
  const setup = (longestMs = HOUR) => {
    const cluster = new FakeCluster();
    let now = T0;
    const ctx: KeysContext = {
      kube: cluster.api,
      namespace: NAMESPACE,
      secretName: NAME,
      rotationPeriodMs: 24 * HOUR,
      minRetentionMs: 30 * 60_000,
      propagationMs: 5 * 60_000,
      longestTokenLifetimeMs: () => longestMs,
      now: () => now,
      generate: keyMaker(),
      log: createLogger({ level: 'silent', format: 'json' }),
    };
    const jwksIn = () => JSON.parse(Buffer.from(cluster.secrets.get(`${NAMESPACE}/${NAME}`)!.data![KEY_SET_FILES.jwks]!, 'base64').toString()) as { keys: ManagedJwk[] };
    return { cluster, ctx, jwksIn, setNow: (ms: number) => (now = at(ms)) };
  };

  it('creates the Secret with both files, then leaves it alone until the next key is due', async () => {
    const { cluster, ctx, jwksIn } = setup();
    expect(await reconcileKeys(ctx)).toEqual({ requeueAfterMs: 24 * HOUR });
    expect(cluster.writes).toEqual([`createSecret ${NAMESPACE}/${NAME}`]);
    expect(jwksIn().keys).toHaveLength(4);
    const cookieKeys = Buffer.from(cluster.secrets.get(`${NAMESPACE}/${NAME}`)!.data![KEY_SET_FILES.cookieKeys]!, 'base64').toString();
    expect(cookieKeys).toMatch(/^[A-Za-z0-9_-]{43}\n$/);

    await reconcileKeys(ctx);
    expect(cluster.writes).toHaveLength(1);
  });

  it('rotates with a conditional patch, keeping the cookie keys', async () => {
    const { cluster, ctx, jwksIn, setNow } = setup();
    await reconcileKeys(ctx);
    const cookieKeys = cluster.secrets.get(`${NAMESPACE}/${NAME}`)!.data![KEY_SET_FILES.cookieKeys];
    setNow(24 * HOUR);
    // Retention is the longest token lifetime (1 h) plus propagation (5 min), above the configured 30 min.
    expect(await reconcileKeys(ctx)).toEqual({ requeueAfterMs: HOUR + 5 * 60_000 });
    expect(cluster.writes).toEqual([`createSecret ${NAMESPACE}/${NAME}`, `patchSecret ${NAMESPACE}/${NAME}`]);
    expect(jwksIn().keys.filter((key) => key.purser!.state === 'retired')).toHaveLength(2);
    expect(cluster.secrets.get(`${NAMESPACE}/${NAME}`)!.data![KEY_SET_FILES.cookieKeys]).toBe(cookieKeys);
  });

  it('keeps retired keys as long as the configured retention when tokens live shorter', async () => {
    const { ctx, setNow } = setup(60_000);
    await reconcileKeys(ctx);
    setNow(24 * HOUR);
    expect(await reconcileKeys(ctx)).toEqual({ requeueAfterMs: 30 * 60_000 });
  });

  it('refuses to overwrite a key set it cannot read', async () => {
    const { cluster, ctx } = setup();
    cluster.secrets.set(`${NAMESPACE}/${NAME}`, { metadata: { name: NAME, namespace: NAMESPACE, resourceVersion: '1' }, data: { [KEY_SET_FILES.jwks]: Buffer.from('not json').toString('base64') } });
    await expect(reconcileKeys(ctx)).rejects.toThrow(new KeySecretError(`Secret ${NAMESPACE}/${NAME}: jwks.json is not a JSON Web Key Set; fix it, or delete the Secret to start over with new keys`));
    expect(cluster.writes).toEqual([]);
  });

  it('refuses a key set with an entry that is not a key, with the same advice', async () => {
    const { cluster, ctx } = setup();
    cluster.secrets.set(`${NAMESPACE}/${NAME}`, { metadata: { name: NAME, namespace: NAMESPACE, resourceVersion: '1' }, data: { [KEY_SET_FILES.jwks]: Buffer.from('{"keys": [null]}').toString('base64') } });
    await expect(reconcileKeys(ctx)).rejects.toThrow(KeySecretError);
    expect(cluster.writes).toEqual([]);
  });
});

describe('longestSignedLifetimeMs', () => {
  const server = { accessTokenTtl: 3600, idTokenTtl: 1800, sessionTtl: 600 };
  const clients = [oauthClient('a', { accessToken: { ttl: '2h' } }), oauthClient('b', { accessToken: { format: 'opaque' } }), oauthClient('c')];

  it('is the longest of the server\'s token lifetimes and every client\'s access-token lifetime', () => {
    expect(longestSignedLifetimeMs(server, clients)).toBe(2 * HOUR);
    expect(longestSignedLifetimeMs({ ...server, idTokenTtl: 4 * 3600 }, clients)).toBe(4 * HOUR);
  });

  it('covers the session: an id_token comes back as id_token_hint at logout while its session lasts', () => {
    expect(longestSignedLifetimeMs({ ...server, sessionTtl: 14 * 86400 }, clients)).toBe(14 * 24 * HOUR);
  });

  it('reads a spec-less OAuthClient (the API server stores one) as a client without its own lifetime', () => {
    const specless = { ...oauthClient('d'), spec: undefined } as unknown as OAuthClientResource;
    expect(longestSignedLifetimeMs(server, [specless])).toBe(HOUR);
  });
});
