// In-memory ClientCatalog: the catalog of one process, with change notification for its own caches.
import { EventEmitter } from 'node:events';

import type { ClientCatalog, ClientRecord } from '../types.ts';

export class MemoryClientCatalog implements ClientCatalog {
  readonly #records = new Map<string, string>();
  readonly #changes = new EventEmitter();

  async get(clientId: string): Promise<ClientRecord | undefined> {
    const json = this.#records.get(clientId);
    return json === undefined ? undefined : (JSON.parse(json) as ClientRecord);
  }

  async put(record: ClientRecord): Promise<void> {
    this.#records.set(record.clientId, JSON.stringify(record));
    this.#changes.emit('change', record.clientId);
  }

  async delete(clientId: string): Promise<boolean> {
    const removed = this.#records.delete(clientId);
    if (removed) this.#changes.emit('change', clientId);
    return removed;
  }

  async list(): Promise<ClientRecord[]> {
    return [...this.#records.values()].map((json) => JSON.parse(json) as ClientRecord);
  }

  async missing(clientIds: readonly string[]): Promise<string[]> {
    return clientIds.filter((clientId) => !this.#records.has(clientId));
  }

  onChange(listener: (clientId: string) => void): () => void {
    this.#changes.on('change', listener);
    return () => this.#changes.off('change', listener);
  }
}
