// Status conditions the Kubernetes way: one entry per type, lastTransitionTime kept unless the status flips.
import type { Condition } from '../api/types.ts';

export const READY = 'Ready';

/** Present while the spec asks for skipConsent: True when honoured (first-party), False when ignored. */
export const SKIP_CONSENT = 'SkipConsent';

/** `conditions` with `next` set in place of the entry of its type. */
export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const previous = conditions?.find((condition) => condition.type === next.type);
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const updated = { ...next, lastTransitionTime };
  // In place, so other types keep their order and an unchanged list compares equal to what the API server holds.
  const list = conditions ?? [];
  return previous ? list.map((condition) => (condition === previous ? updated : condition)) : [...list, updated];
}

/** `conditions` without the entry of `type` (a condition that no longer applies). */
export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((condition) => condition.type !== type);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}
