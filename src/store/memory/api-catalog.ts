// In-memory ApiCatalog: the API catalog of one process (dev mode), with change notification for its own caches.
import { EventEmitter } from 'node:events';

import type { ApiCatalog, ApiRecord } from '../types.ts';

export class MemoryApiCatalog implements ApiCatalog {
  readonly #records = new Map<string, string>();
  readonly #changes = new EventEmitter();

  async get(audience: string): Promise<ApiRecord | undefined> {
    const json = this.#records.get(audience);
    return json === undefined ? undefined : (JSON.parse(json) as ApiRecord);
  }

  async put(record: ApiRecord): Promise<void> {
    this.#records.set(record.audience, JSON.stringify(record));
    this.#changes.emit('change', record.audience);
  }

  async delete(audience: string): Promise<boolean> {
    const removed = this.#records.delete(audience);
    if (removed) this.#changes.emit('change', audience);
    return removed;
  }

  async list(): Promise<ApiRecord[]> {
    return [...this.#records.values()].map((json) => JSON.parse(json) as ApiRecord);
  }

  onChange(listener: (audience: string) => void): () => void {
    this.#changes.on('change', listener);
    return () => this.#changes.off('change', listener);
  }
}
