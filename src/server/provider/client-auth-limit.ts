// The limit on wrong client secrets per address and client_id, enforced without a Redis round trip on the way to a
// token: failures are counted in the shared store (one INCR per wrong secret), and the count that INCR returns tells
// this replica when a key is over the limit, which it then remembers until the window ends. Another replica learns
// it at the next wrong secret sent to it, so a source gets at most one more attempt per replica.
import type { RateCounters } from '../../store/types.ts';
import { StoreUnavailableError } from '../../store/unavailable.ts';

/** Keys remembered at most; past it the soonest to end are dropped (an attacker with many addresses cannot grow it). */
const MAX_REMEMBERED = 10_000;

export class ClientAuthLimit {
  readonly #counters: RateCounters;
  readonly #limit: number;
  readonly #windowSeconds: number;
  readonly #now: () => number;
  /** key → epoch ms at which its refusal ends. */
  readonly #refusedUntil = new Map<string, number>();

  constructor(counters: RateCounters, options: { limit: number; windowSeconds: number; now?: () => number }) {
    this.#counters = counters;
    this.#limit = options.limit;
    this.#windowSeconds = options.windowSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `key` is over its limit (as far as this replica has learnt). No I/O. */
  refused(key: string): boolean {
    const until = this.#refusedUntil.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#refusedUntil.delete(key);
    return false;
  }

  /**
   * Counts a wrong secret under `key`. A store that cannot count now is not a reason to refuse a token request:
   * the failure goes uncounted (secrets are 256-bit random values; the limit caps work, it does not protect them).
   */
  async failed(key: string): Promise<void> {
    let count: number;
    try {
      count = await this.#counters.hit(key, this.#windowSeconds);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return;
      throw error;
    }
    if (count < this.#limit) return;
    this.#refusedUntil.set(key, this.#now() + this.#windowSeconds * 1000);
    if (this.#refusedUntil.size > MAX_REMEMBERED) this.#forgetSoonest();
  }

  #forgetSoonest(): void {
    const now = this.#now();
    for (const [key, until] of this.#refusedUntil) if (until <= now) this.#refusedUntil.delete(key);
    // Insertion order is the order refusals started, and every refusal lasts one window: the first end soonest.
    for (const key of this.#refusedUntil.keys()) {
      if (this.#refusedUntil.size <= MAX_REMEMBERED) break;
      this.#refusedUntil.delete(key);
    }
  }
}
