// The work queue's guarantees: one wait per key however often it is added, one worker per key at a time, delays
// where the earliest wins, per-key exponential backoff, and a shutdown that releases every worker.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { WorkQueue } from '../../../src/controller/work-queue.ts';

const PENDING = Symbol('pending');

/** The promise's value if it settles within a few microtask turns (no timers: they may be fake), else PENDING. */
async function peek<T>(promise: Promise<T>): Promise<T | typeof PENDING> {
  const later = async (): Promise<typeof PENDING> => {
    for (let turn = 0; turn < 10; turn++) await null;
    return PENDING;
  };
  return Promise.race([promise, later()]);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('hands a key added twice out once', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(await peek(queue.get())).toBe(PENDING);
  });

  it('hands a key straight to a waiting worker', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('ns/a');
    expect(await peek(waiting)).toBe('ns/a');
    expect(queue.length).toBe(0);
  });

  it('never hands a key to two workers at once: re-added while processed, it comes back after done()', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    expect(await queue.get()).toBe('ns/a');
    const second = queue.get();
    queue.add('ns/a');
    queue.add('ns/a');
    expect(queue.length).toBe(0);
    expect(await peek(second)).toBe(PENDING);
    // Other keys are not held up by it.
    queue.add('ns/b');
    expect(await peek(second)).toBe('ns/b');
    const third = queue.get();
    queue.done('ns/a');
    expect(await peek(third)).toBe('ns/a');
    // Done without being re-added: it stays out.
    queue.done('ns/a');
    expect(await peek(queue.get())).toBe(PENDING);
  });

  it('keeps a key that was not re-added out after done()', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    await queue.get();
    queue.done('ns/a');
    expect(queue.length).toBe(0);
    queue.add('ns/a');
    expect(await queue.get()).toBe('ns/a');
  });

  it('adds after a delay, the earliest of several delays winning', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 1000);
    queue.addAfter('ns/a', 100);
    queue.addAfter('ns/b', 100);
    queue.addAfter('ns/b', 1000);
    vi.advanceTimersByTime(99);
    expect(queue.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.length).toBe(2);
    for (const key of [await queue.get(), await queue.get()]) queue.done(key!);
    // The later delays were dropped, not kept for another round.
    vi.advanceTimersByTime(5000);
    expect(queue.length).toBe(0);
    queue.addAfter('ns/c', 0);
    expect(queue.length).toBe(1);
  });

  it('backs off exponentially per key up to the maximum; forget() starts over', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map(() => queue.addRateLimited('ns/a'))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(queue.addRateLimited('ns/b')).toBe(100);
    queue.forget('ns/a');
    expect(queue.addRateLimited('ns/a')).toBe(100);
    expect(queue.addRateLimited('ns/a')).toBe(200);
    vi.advanceTimersByTime(99);
    expect(queue.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.length).toBe(2);
  });

  it('uses a 200 ms base and a one-minute cap by default', () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    const delays = Array.from({ length: 12 }, () => queue.addRateLimited('ns/a'));
    expect(delays.slice(0, 3)).toEqual([200, 400, 800]);
    expect(delays.at(-1)).toBe(60_000);
  });

  it('shutDown releases waiting workers with undefined and ignores later adds and delays', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('ns/late', 100);
    const waiting = [queue.get(), queue.get()];
    queue.shutDown();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
    expect(await queue.get()).toBeUndefined();
    queue.add('ns/a');
    queue.addAfter('ns/b', 10);
    vi.advanceTimersByTime(1000);
    expect(queue.length).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it('shutDown drops queued keys: a stopping controller starts no new reconcile', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.shutDown();
    expect(await queue.get()).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  it('keeps a delay longer than a Node timer can hold from firing at once', async () => {
    vi.useFakeTimers();
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 40 * 86_400_000); // Node would fire a plain timer this long after 1 ms
    await vi.advanceTimersByTimeAsync(60_000);
    expect(queue.length).toBe(0);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(queue.length).toBe(1);
  });
});
