// The API catalog as OAuthClient reconciles read it: from memory until the record changes. Every client listing an
// audience reads its record (reconcile/audiences.ts), and with 2000 admitted clients that record is ~150 KB of JSON:
// parsing it on each of their reconciles was 14% of the controller's CPU in a full sync (bench/controller-sync).
import { CachedApiCatalog } from '../../store/cached-catalog.ts';
import type { ApiCatalog, ApiRecord } from '../../store/types.ts';

/**
 * `inner` whose `put` and `delete` also notify this process's listeners once the write is done, without waiting for
 * the catalog's own notification (Redis pub/sub, which arrives later): a client queued right after the OAuthAPI
 * reconciler's write must read the new record, not the cached one.
 */
function notifyingWrites(inner: ApiCatalog): ApiCatalog {
  const listeners = new Set<(audience: string) => void>();
  const emit = (audience: string) => {
    for (const listener of listeners) listener(audience);
  };
  inner.onChange(emit);
  return {
    get: (audience) => inner.get(audience),
    list: () => inner.list(),
    put: async (record: ApiRecord) => {
      try {
        await inner.put(record);
      } finally {
        emit(record.audience);
      }
    },
    delete: async (audience) => {
      try {
        return await inner.delete(audience);
      } finally {
        emit(audience);
      }
    },
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Two views of one API catalog whose writes, through either, drop the cached record at once. */
export interface ApiRecordViews {
  /** Reads from memory: what OAuthClient reconciles read. Records are shared: never mutate one. */
  cached: ApiCatalog;
  /** Reads from the catalog itself: the OAuthAPI reconciler compares its record with what is really stored. */
  fresh: ApiCatalog;
}

/**
 * The two views of `catalog`. A write through either, or a change any process notifies, drops the cached record. An
 * absent audience is remembered for at most `negativeTtlSeconds` (a record another process writes is announced anyway).
 */
export function apiRecordViews(catalog: ApiCatalog, negativeTtlSeconds = 5): ApiRecordViews {
  const fresh = notifyingWrites(catalog);
  return { fresh, cached: new CachedApiCatalog(fresh, { negativeTtlSeconds }) };
}
