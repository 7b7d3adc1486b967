// In-memory ApiCatalog: the API catalog of one process (dev mode), with change notification for its own caches.
import type { ApiCatalog, ApiRecord } from '../types.ts';
import { MemoryKeyedCatalog } from './keyed-catalog.ts';

export class MemoryApiCatalog extends MemoryKeyedCatalog<ApiRecord> implements ApiCatalog {
  constructor() {
    super((record) => record.audience);
  }
}
