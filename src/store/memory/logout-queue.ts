// In-memory LogoutQueue: the Redis queue's behaviour (due times, leases, attempts, retention) in one process.
import type { ClaimedLogout, LogoutJob, LogoutQueue } from '../types.ts';

interface Entry {
  job: LogoutJob;
  attempts: number;
  dueAt: number;
  expiresAt: number;
}

export class MemoryLogoutQueue implements LogoutQueue {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async enqueue(job: LogoutJob, retentionSeconds: number): Promise<void> {
    const now = this.#now();
    this.#entries.set(job.jti, { job: structuredClone(job), attempts: 0, dueAt: now, expiresAt: now + retentionSeconds * 1000 });
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedLogout[]> {
    const now = this.#now();
    const claimed: ClaimedLogout[] = [];
    for (const [jti, entry] of [...this.#entries].sort(([, a], [, b]) => a.dueAt - b.dueAt)) {
      if (entry.expiresAt <= now) this.#entries.delete(jti);
      else if (entry.dueAt <= now && claimed.length < limit) {
        entry.attempts += 1;
        entry.dueAt = now + leaseMs;
        claimed.push({ job: structuredClone(entry.job), attempt: entry.attempts });
      }
    }
    return claimed;
  }

  async retryLater(jti: string, delayMs: number): Promise<void> {
    const entry = this.#entries.get(jti);
    if (entry) entry.dueAt = this.#now() + delayMs;
  }

  async release(jti: string, delayMs: number): Promise<void> {
    const entry = this.#entries.get(jti);
    if (!entry) return;
    entry.attempts = Math.max(0, entry.attempts - 1);
    entry.dueAt = this.#now() + delayMs;
  }

  async finish(jti: string): Promise<void> {
    this.#entries.delete(jti);
  }

  /** How many jobs are kept, expired ones not yet dropped included (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}
