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

/** Keys found without a life (written by hand, or before management): the first of an alg signs, the rest retire. */
function lifeOf(key: ManagedJwk, index: number, keys: ManagedJwk[], now: string): KeyLife {
  if (key.purser) return key.purser;
  const first = keys.findIndex((other) => other.alg === key.alg && !other.purser);
  return { state: first === index ? 'current' : 'retired', since: now };
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
  const mine = keys.map((key, i) => living(key, lifeOf(key, i, keys, at))).filter((key) => key.alg === alg);
  for (const key of keys) if (key.alg === alg && !key.purser) changes.push(`adopted ${key.kid ?? 'a key'}`);
  let current: LivingJwk | undefined = mine.find((key) => key.purser.state === 'current');
  let next: LivingJwk | undefined = mine.find((key) => key.purser.state === 'next');
  let retired = mine.filter((key) => key.purser.state === 'retired');

  if (current && age(current) >= policy.rotationPeriodMs) {
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
    due: [sinceOf(current) + policy.rotationPeriodMs, ...kept.map((key) => sinceOf(key) + policy.retentionMs)],
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
