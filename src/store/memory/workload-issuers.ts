// The trusted ServiceAccount issuers in process memory (dev mode), expiring like the Redis value.
import type { WorkloadIssuerRecord, WorkloadIssuerStore } from '../types.ts';

export class MemoryWorkloadIssuers implements WorkloadIssuerStore {
  #value: { record: WorkloadIssuerRecord; expiresAt: number } | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(): Promise<WorkloadIssuerRecord | undefined> {
    return this.#value && this.#value.expiresAt > this.#now() ? structuredClone(this.#value.record) : undefined;
  }

  async put(record: WorkloadIssuerRecord, ttlSeconds: number): Promise<void> {
    this.#value = { record: structuredClone(record), expiresAt: this.#now() + ttlSeconds * 1000 };
  }
}
