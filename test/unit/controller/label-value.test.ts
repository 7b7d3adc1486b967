// Label values derived from names: a name that fits is itself; a longer one is shortened to a valid, stable, distinct value.
import { describe, expect, it } from 'vitest';

import { labelValueOf } from '../../../src/controller/label-value.ts';

// What the API server accepts as a label value (k8s.io/apimachinery validation.IsValidLabelValue).
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('labelValueOf', () => {
  it('keeps a name of up to 63 characters', () => {
    expect(labelValueOf('app')).toBe('app');
    expect(labelValueOf('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it.each([
    ['64 characters', 'a'.repeat(64)],
    ['253 characters with dots', `${'a.b-c'.repeat(50)}xyz`],
    ['a cut that would end in a dash or a dot', `${'a'.repeat(51)}-.-${'b'.repeat(40)}`],
  ])('shortens a name of %s to a valid label value, the same every time', (_, name) => {
    const value = labelValueOf(name);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(LABEL_VALUE);
    expect(labelValueOf(name)).toBe(value);
  });

  it('gives two long names with the same beginning different values', () => {
    const prefix = 'p'.repeat(70);
    expect(labelValueOf(`${prefix}-one`)).not.toBe(labelValueOf(`${prefix}-two`));
  });
});
