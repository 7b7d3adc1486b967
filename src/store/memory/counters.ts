// In-memory RateCounters: fixed windows in one process.
import { digest } from '../keys.ts';
import type { RateCounters } from '../types.ts';

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryRateCounters implements RateCounters {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async hit(key: string, windowSeconds: number): Promise<number> {
    const now = this.#now();
    key = digest(key);
    const current = this.#windows.get(key);
    const window = current && current.resetAt > now ? current : { count: 0, resetAt: now + windowSeconds * 1000 };
    window.count += 1;
    this.#windows.set(key, window);
    return window.count;
  }

  async count(key: string): Promise<number> {
    const window = this.#windows.get(digest(key));
    return window && window.resetAt > this.#now() ? window.count : 0;
  }

  async release(key: string): Promise<void> {
    const window = this.#windows.get(digest(key));
    if (window && window.resetAt > this.#now() && window.count > 0) window.count -= 1;
  }

  /** Every stored key, for tests that check nothing is kept in plain form. */
  dump(): string[] {
    return [...this.#windows.keys()];
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}
