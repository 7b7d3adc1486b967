// Which backend errors are store faults (answered 503 temporarily_unavailable), and the decorator that turns them
// into StoreUnavailableError at the store's boundary while leaving every other error as it was.
import { describe, expect, it } from 'vitest';

import { guardStore } from '../../src/store/guard.ts';
import { createMemoryStore } from '../../src/store/memory/index.ts';
import { classifyRedisFault } from '../../src/store/redis/faults.ts';
import { StoreUnavailableError, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';

const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const coded = (code: string) => Object.assign(new Error(code), { code });

describe('classifyRedisFault', () => {
  it.each([
    [new Error("OOM command not allowed when used memory > 'maxmemory'."), 'full'],
    [new Error("Error running script: OOM command not allowed when used memory > 'maxmemory'. script: 1a2b"), 'full'],
    [new Error('Command timed out'), 'timeout'],
    [named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 2).'), 'unreachable'],
    [new Error('Connection is closed.'), 'unreachable'],
    [coded('ECONNREFUSED'), 'unreachable'],
    [new Error('LOADING Redis is loading the dataset in memory'), 'unreachable'],
    [new Error('READONLY You can\'t write against a read only replica.'), 'unreachable'],
    [new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), undefined],
    [new SyntaxError('Unexpected token'), undefined],
    ['not an error', undefined],
  ])('%s → %s', (error, fault) => {
    expect(classifyRedisFault(error)).toBe(fault);
  });
});

describe('guardStore', () => {
  it('rejects with an exposed 503 temporarily_unavailable for a fault, and passes other errors and results through', async () => {
    const store = createMemoryStore();
    const failing = { ...store, counters: { hit: () => Promise.reject(new Error('Command timed out')), count: () => Promise.reject(new TypeError('bug')), release: () => Promise.resolve() } };
    const guarded = guardStore(failing, classifyRedisFault);

    const fault = await guarded.counters.hit('k', 1).catch((error: unknown) => error);
    expect(fault).toBeInstanceOf(StoreUnavailableError);
    expect(fault).toMatchObject({ fault: 'timeout', status: 503, statusCode: 503, expose: true, error: TEMPORARILY_UNAVAILABLE });
    await expect(guarded.counters.count('k')).rejects.toThrow(TypeError);
    await guarded.artifacts.upsert('Session', 'id', { uid: 'u' }, 60);
    expect(await guarded.artifacts.findByUid('Session', 'u')).toMatchObject({ uid: 'u' });
  });
});
