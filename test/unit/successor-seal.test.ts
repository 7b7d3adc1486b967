import { describe, expect, it } from 'vitest';

import { openSuccessor, sealSuccessor } from '../../src/store/successor-seal.ts';

describe('sealed refresh token successors (RFC 9700 §4.14.2)', () => {
  it('open with the spent token that sealed them, and with nothing else', () => {
    const sealed = sealSuccessor('spent-token-value', 'successor-token-value');
    expect(sealed).not.toContain('successor-token-value');
    expect(openSuccessor('spent-token-value', sealed)).toBe('successor-token-value');
    expect(() => openSuccessor('another-spent-token', sealed)).toThrow();
  });

  it('open only for the purpose they were sealed for (a device code id under its user code is no successor)', () => {
    const sealed = sealSuccessor('BCDFGHJK', 'device-code-value', 'purser device code id v1');
    expect(openSuccessor('BCDFGHJK', sealed, 'purser device code id v1')).toBe('device-code-value');
    expect(() => openSuccessor('BCDFGHJK', sealed)).toThrow();
  });
});
