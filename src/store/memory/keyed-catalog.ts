// A catalog of records in this process (dev mode), the shape the client and the API catalogs share: records kept as
// JSON so a caller never shares an object with the store, and change notices for this process's caches.
import { EventEmitter } from 'node:events';

export class MemoryKeyedCatalog<R> {
  readonly #records = new Map<string, string>();
  readonly #changes = new EventEmitter();
  readonly #idOf: (record: R) => string;

  /** `idOf`: the id a record is filed under (a client_id, an audience). */
  constructor(idOf: (record: R) => string) {
    this.#idOf = idOf;
  }

  async get(id: string): Promise<R | undefined> {
    const json = this.#records.get(id);
    return json === undefined ? undefined : (JSON.parse(json) as R);
  }

  async put(record: R): Promise<void> {
    const id = this.#idOf(record);
    this.#records.set(id, JSON.stringify(record));
    this.#changes.emit('change', id);
  }

  /** Returns whether a record was removed. */
  async delete(id: string): Promise<boolean> {
    const removed = this.#records.delete(id);
    if (removed) this.#changes.emit('change', id);
    return removed;
  }

  async list(): Promise<R[]> {
    return [...this.#records.values()].map((json) => JSON.parse(json) as R);
  }

  /** Calls `listener` with the id of every change; returns an unsubscribe. */
  onChange(listener: (id: string) => void): () => void {
    this.#changes.on('change', listener);
    return () => this.#changes.off('change', listener);
  }

  protected has(id: string): boolean {
    return this.#records.has(id);
  }
}
