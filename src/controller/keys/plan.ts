// The signing-key schedule, as a pure function of the keys and the clock. Per algorithm there is one key that
// signs ("current"), one published a full period before it signs ("next", so every replica and every relying
// party's JWKS cache knows it before the first token it signs), and retired keys that stay published until
// every token they signed has expired.
import { SIGNING_ALGORITHMS, type Jwk, type SigningAlgorithm } from '../../api/key-set.ts';

export type KeyState = 'next' | 'current' | 'retired';

/** Where a key is in its life, kept on the key itself (oidc-provider publishes only the standard members). */
export interface KeyLife {
  state: KeyState;
  /** When it entered that state (ISO 8601). */
  since: string;
}

export type ManagedJwk = Jwk & { purser?: KeyLife };

/** A key whose life is known. */
type LivingJwk = Jwk & { purser: KeyLife };

export interface KeyPolicy {
  rotationPeriodMs: number;
  /** How long a retired key stays published. */
  retentionMs: number;
}

export interface KeyPlan {
  keys: ManagedJwk[];
  /** What changed, for the log ("created es256-…", "rotated …", "removed …"); empty when nothing did. */
  changes: string[];
  /** When the schedule next needs a look. */
  nextDueAt: Date;
}

const ORDER: Record<KeyState, number> = { current: 0, next: 1, retired: 2 };

/**
 * The life of a key read from the Secret, as far as the schedule can tell: none when it has none or a state the
 * schedule does not know (a hand edit). An unreadable `since` restarts its clock now, which only keeps a key longer.
 */
function lifeOf(key: ManagedJwk, now: string): KeyLife | undefined {
  const life: unknown = key.purser;
  if (typeof life !== 'object' || life === null) return undefined;
  const { state, since } = life as Record<string, unknown>;
  if (typeof state !== 'string' || !Object.hasOwn(ORDER, state)) return undefined;
  return { state: state as KeyState, since: typeof since === 'string' && !Number.isNaN(Date.parse(since)) ? since : now };
}

/** The key living `life`: only a current key may sign, whatever `key_ops` it came with. */
function living(key: ManagedJwk, life: KeyLife): LivingJwk {
  const { key_ops: _keyOps, purser: _life, ...rest } = key;
  return life.state === 'current' ? { ...rest, purser: life } : { ...rest, key_ops: ['verify'], purser: life };
}

const enter = (key: ManagedJwk, state: KeyState, now: string): LivingJwk => living(key, { state, since: now });

function planAlgorithm(alg: SigningAlgorithm, keys: ManagedJwk[], now: Date, policy: KeyPolicy, generate: (alg: SigningAlgorithm) => Jwk, changes: string[]): { keys: LivingJwk[]; due: number[] } {
  const at = now.toISOString();
  const sinceOf = (key: LivingJwk) => Date.parse(key.purser.since);
  const age = (key: LivingJwk) => now.getTime() - sinceOf(key);
  let current: LivingJwk | undefined;
  let next: LivingJwk | undefined;
  let retired: LivingJwk[] = [];
  const unplaced: { key: ManagedJwk; life?: KeyLife }[] = [];
  for (const key of keys.filter((candidate) => candidate.alg === alg)) {
    const life = lifeOf(key, at);
    if (life && life.since !== key.purser?.since) changes.push(`dated ${key.kid} ${at} (its since was unreadable)`);
    if (life?.state === 'current' && !current) current = living(key, life);
    else if (life?.state === 'next' && !next) next = living(key, life);
    else if (life?.state === 'retired') retired.push(living(key, life));
    else unplaced.push({ key, life });
  }
  // A key without a life (written by hand) signs if nothing else does; any other stays published, since it may
  // have signed, until it has been retired for the retention window.
  for (const { key, life } of unplaced) {
    changes.push(life ? `retired ${key.kid} (a second ${life.state} key)` : `adopted ${key.kid ?? 'a key'}`);
    if (!life && !current) current = enter(key, 'current', at);
    else retired.push(enter(key, 'retired', at));
  }

  // The next key signs only once it has been published a full period, even if a hand edit made it younger.
  if (current && next && age(current) >= policy.rotationPeriodMs && age(next) >= policy.rotationPeriodMs) {
    changes.push(`retired ${current.kid}`);
    retired = [enter(current, 'retired', at), ...retired];
    current = undefined;
  }
  if (!current) {
    changes.push(`${next ? 'promoted' : 'created'} ${next?.kid ?? alg}`);
    current = enter(next ?? generate(alg), 'current', at);
    next = undefined;
  }
  if (!next) {
    next = enter(generate(alg), 'next', at);
    changes.push(`published ${next.kid}`);
  }
  const kept = retired.filter((key) => age(key) < policy.retentionMs);
  for (const key of retired) if (!kept.includes(key)) changes.push(`removed ${key.kid}`);

  return {
    keys: [current, next, ...kept],
    due: [Math.max(sinceOf(current), sinceOf(next)) + policy.rotationPeriodMs, ...kept.map((key) => sinceOf(key) + policy.retentionMs)],
  };
}

/**
 * The key set as it should be at `now`. Idempotent: planning its own result again at the same instant changes
 * nothing. Keys of other algorithms are dropped (Purser signs with nothing else).
 */
export function planSigningKeys(keys: ManagedJwk[], now: Date, policy: KeyPolicy, generate: (alg: SigningAlgorithm) => Jwk): KeyPlan {
  const changes: string[] = [];
  const planned = SIGNING_ALGORITHMS.map((alg) => planAlgorithm(alg, keys, now, policy, generate, changes));
  const all = planned.flatMap((p) => p.keys).sort((a, b) => ORDER[a.purser.state] - ORDER[b.purser.state]);
  const dropped = keys.filter((key) => !SIGNING_ALGORITHMS.includes(key.alg as SigningAlgorithm));
  for (const key of dropped) changes.push(`removed ${key.kid ?? 'a key'} (${key.alg ?? 'no alg'})`);
  return { keys: all, changes, nextDueAt: new Date(Math.min(...planned.flatMap((p) => p.due))) };
}
