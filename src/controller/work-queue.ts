// A work queue of resource keys with client-go's guarantees: a key waits at most once however often it is added,
// is never handed to two workers at once, and failed keys come back after a per-key exponential backoff.

export interface BackoffOptions {
  /** First retry delay after a failure (ms). */
  baseDelayMs: number;
  /** Longest retry delay (ms). */
  maxDelayMs: number;
}

/** The longest delay a Node timer keeps (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DEFAULT_BACKOFF: BackoffOptions = { baseDelayMs: 200, maxDelayMs: 60_000 };

export class WorkQueue {
  readonly #queue: string[] = [];
  /** Keys waiting to be processed (queued, or re-added while being processed). */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #backoff: BackoffOptions;
  #shutDown = false;

  constructor(backoff: Partial<BackoffOptions> = {}) {
    this.#backoff = { ...DEFAULT_BACKOFF, ...backoff };
  }

  get length(): number {
    return this.#queue.length;
  }

  add(key: string): void {
    if (this.#shutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // `done` queues it again
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  /** Adds the key after `delayMs`; of several pending delays for one key, the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shutDown) return;
    if (delayMs <= 0) return this.add(key);
    // Node fires longer timers after 1 ms; a key due that late is looked at again by a resync long before.
    delayMs = Math.min(delayMs, MAX_TIMER_MS);
    const at = Date.now() + delayMs;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Adds the key again after its backoff, which doubles with every failure until `forget`. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(this.#backoff.baseDelayMs * 2 ** (failures - 1), this.#backoff.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** The next key to process, or `undefined` once the queue is shut down. Call `done` when finished with it. */
  async get(): Promise<string | undefined> {
    if (this.#shutDown) return undefined;
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return key;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  /**
   * Stops handing out keys, queued ones included: a controller that stops (or lost its Lease) starts no new
   * reconcile; whoever leads next reconciles everything anyway.
   */
  shutDown(): void {
    this.#shutDown = true;
    this.#queue.length = 0;
    this.#dirty.clear();
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}
