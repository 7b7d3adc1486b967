// Device codes at rest (DESIGN.md: a dump of Redis hands no one a usable credential), through the oidc-provider
// adapter, which keys user codes with a server-side secret before they reach the store; runStoreConformance runs them
// on every backend.
import { hash } from 'node:crypto';

import { expect, it } from 'vitest';

import { CachedClientCatalog } from '../../src/store/cached-catalog.ts';
import { createAdapterClass, DEVICE_CODE_SEAL } from '../../src/store/oidc-adapter.ts';
import { openSuccessor } from '../../src/store/successor-seal.ts';
import type { Store } from '../../src/store/types.ts';
import { userCodeKeys } from '../../src/store/user-code-key.ts';
import type { StoreUnderTest } from './conformance.ts';

const [OLD_KEY, NEW_KEY] = ['old-cookie-key-'.padEnd(43, 'o'), 'new-cookie-key-'.padEnd(43, 'n')];

/** The DeviceCode model of an adapter whose cookie keys are `cookieKeys` (newest first). */
function deviceCodes(store: Store, cookieKeys: string[]) {
  const Adapter = createAdapterClass(store.artifacts, new CachedClientCatalog(store.clients), userCodeKeys(cookieKeys));
  return new Adapter('DeviceCode');
}

/** A small user code space (10^4 codes) standing in for the real one (20^8), which an attacker would walk the same way. */
const SPACE = Array.from({ length: 10_000 }, (_, n) => `BCDF-${String(n).padStart(4, '0')}`);

function opensWith(candidate: string, sealed: string): boolean {
  try {
    openSuccessor(candidate, sealed, DEVICE_CODE_SEAL);
    return true;
  } catch {
    return false;
  }
}

export function deviceCodeCases(current: () => StoreUnderTest): void {
  it('RFC 8628 §5.2: a dump and a walk of the whole user code space, without the server secret, find neither the user code nor the device code', async () => {
    const { store, dump } = current();
    const [deviceCode, userCode] = [`device-${Math.random().toString(36).slice(2)}`, SPACE[4711]!];
    await deviceCodes(store, [OLD_KEY]).upsert(deviceCode, { userCode, clientId: 'c' }, 60);
    const text = (await dump()).join('\n');
    const sealed = (await store.artifacts.find('DeviceCode', deviceCode))?.sealedId;
    expect(typeof sealed).toBe('string');
    // Every candidate's plain digest (what the lookup key was named by before), and every candidate as an HKDF seal key.
    for (const candidate of SPACE) {
      expect(text.includes(hash('sha256', candidate, 'base64url')), candidate).toBe(false);
      expect(opensWith(candidate, sealed as string), candidate).toBe(false);
    }
    // The store, asked with the user code as typed, finds nothing: only the keyed code names the lookup key.
    expect(await store.artifacts.findByUserCode('DeviceCode', userCode)).toBeUndefined();
    for (const id of [deviceCode, userCode]) expect(text).not.toContain(id);
    // With the secret the same user code finds the device code and opens its id (a control for the checks above).
    expect(await deviceCodes(store, [OLD_KEY]).findByUserCode(userCode)).toMatchObject({ jti: deviceCode, userCode, clientId: 'c' });
    expect(await deviceCodes(store, [NEW_KEY]).findByUserCode(userCode)).toBeUndefined();
  });

  it('finds a user code across a cookie key rotation ([old] → [new, old] → [new]), whichever replica saw the change first', async () => {
    const { store } = current();
    const [before, during] = [deviceCodes(store, [OLD_KEY]), deviceCodes(store, [NEW_KEY, OLD_KEY])];
    await during.upsert('dev-during', { userCode: 'WXYZ-0001', clientId: 'c' }, 60);
    await before.upsert('dev-before', { userCode: 'WXYZ-0002', clientId: 'c' }, 60);
    // A replica still on [old] finds what one on [new, old] wrote, and the other way round.
    expect(await before.findByUserCode('WXYZ-0001')).toMatchObject({ jti: 'dev-during' });
    expect(await during.findByUserCode('WXYZ-0002')).toMatchObject({ jti: 'dev-before' });
    // After the overlap: a replica on [new] writes under the new key, which one still on [new, old] reads.
    await deviceCodes(store, [NEW_KEY]).upsert('dev-after', { userCode: 'WXYZ-0003', clientId: 'c' }, 60);
    expect(await during.findByUserCode('WXYZ-0003')).toMatchObject({ jti: 'dev-after' });
  });
}
