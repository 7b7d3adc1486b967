// In-memory ClientCatalog: the catalog of one process, with change notification for its own caches.
import type { ClientCatalog, ClientRecord } from '../types.ts';
import { MemoryKeyedCatalog } from './keyed-catalog.ts';

export class MemoryClientCatalog extends MemoryKeyedCatalog<ClientRecord> implements ClientCatalog {
  constructor() {
    super((record) => record.clientId);
  }

  async missing(clientIds: readonly string[]): Promise<string[]> {
    return clientIds.filter((clientId) => !this.has(clientId));
  }
}
