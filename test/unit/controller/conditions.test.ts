// setCondition: lastTransitionTime moves only when the status flips; other condition types stay as they are.
import { describe, expect, it } from 'vitest';

import type { Condition } from '../../../src/api/types.ts';
import { READY, findCondition, setCondition } from '../../../src/controller/conditions.ts';

const T1 = new Date('2025-06-01T12:00:00.250Z');
const T2 = new Date('2025-06-01T13:30:00.999Z');

const ready = (status: Condition['status'], reason: string, message = `${reason} message`) => ({ type: READY, status, reason, message, observedGeneration: 1 });
const other: Condition = { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'set by someone else', lastTransitionTime: '2024-01-01T00:00:00Z' };

describe('setCondition', () => {
  it('adds a condition stamped with the clock, in RFC 3339 seconds', () => {
    expect(setCondition(undefined, ready('True', 'Ready'), T1)).toEqual([{ ...ready('True', 'Ready'), lastTransitionTime: '2025-06-01T12:00:00Z' }]);
  });

  it('keeps lastTransitionTime while the status stays, even when reason, message and generation change', () => {
    const first = setCondition([], ready('False', 'SecretMissing'), T1);
    const next = setCondition(first, { ...ready('False', 'SecretInvalid', 'another message'), observedGeneration: 2 }, T2);
    expect(next).toEqual([{ ...ready('False', 'SecretInvalid', 'another message'), observedGeneration: 2, lastTransitionTime: '2025-06-01T12:00:00Z' }]);
  });

  it('sets a new lastTransitionTime when the status flips', () => {
    const first = setCondition([], ready('False', 'SecretMissing'), T1);
    const flipped = setCondition(first, ready('True', 'Ready'), T2);
    expect(findCondition(flipped, READY)?.lastTransitionTime).toBe('2025-06-01T13:30:00Z');
    expect(findCondition(setCondition(flipped, ready('False', 'StoreUnavailable'), T1), READY)?.lastTransitionTime).toBe('2025-06-01T12:00:00Z');
  });

  it('leaves other condition types untouched, in their place', () => {
    const before = [{ ...ready('False', 'SecretMissing'), lastTransitionTime: '2025-01-01T00:00:00Z' }, other];
    const after = setCondition(before, ready('True', 'Ready'), T1);
    expect(after).toEqual([{ ...ready('True', 'Ready'), lastTransitionTime: '2025-06-01T12:00:00Z' }, other]);
    expect(setCondition([other], ready('True', 'Ready'), T1)[0]).toBe(other);
  });

  it('does not change the conditions it is given', () => {
    const before = Object.freeze([Object.freeze({ ...ready('False', 'SecretMissing'), lastTransitionTime: '2025-01-01T00:00:00Z' })]);
    setCondition(before, ready('True', 'Ready'), T1);
    expect(before[0]!.status).toBe('False');
  });
});
