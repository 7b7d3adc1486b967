// A ClientCatalog decorator that keeps records in process memory and drops them when the catalog says they changed,
// so a token request never waits on the network for its client.
import { ALL_CLIENTS, type ClientCatalog, type ClientRecord } from './types.ts';

interface Cached {
  record: ClientRecord | undefined;
  /** For absent clients only: when to ask again (epoch ms). */
  recheckAt?: number;
}

/** What a client_id can look like (printable ASCII, as the API validates it); anything else is never looked up. */
const PLAUSIBLE_CLIENT_ID = /^[\x21-\x7E]{1,200}$/;

/** At most this many absent client_ids are remembered, so random ids sent by anyone cannot grow memory. */
const MAX_ABSENT = 1000;

export class CachedClientCatalog implements ClientCatalog {
  readonly #inner: ClientCatalog;
  readonly #cache = new Map<string, Cached | Promise<ClientRecord | undefined>>();
  /** The absent client_ids in the cache, oldest first. */
  readonly #absent = new Set<string>();
  readonly #negativeTtlMs: number;
  readonly #now: () => number;

  constructor(inner: ClientCatalog, { negativeTtlSeconds = 5, now = Date.now } = {}) {
    this.#inner = inner;
    this.#negativeTtlMs = negativeTtlSeconds * 1000;
    this.#now = now;
    inner.onChange((clientId) => {
      if (clientId === ALL_CLIENTS) {
        this.#cache.clear();
        this.#absent.clear();
      } else {
        this.#cache.delete(clientId);
        this.#absent.delete(clientId);
      }
    });
  }

  /** The cached record if there is one, without I/O; `undefined` when it must be fetched. */
  peek(clientId: string): ClientRecord | undefined {
    const cached = this.#cache.get(clientId);
    return cached && !(cached instanceof Promise) ? cached.record : undefined;
  }

  async get(clientId: string): Promise<ClientRecord | undefined> {
    if (!PLAUSIBLE_CLIENT_ID.test(clientId)) return undefined;
    const cached = this.#cache.get(clientId);
    if (cached instanceof Promise) return cached;
    if (cached && (cached.recheckAt === undefined || cached.recheckAt > this.#now())) return cached.record;
    // One fetch per client at a time, however many requests are waiting for it.
    const fetching = this.#inner.get(clientId).then(
      (record) => {
        if (this.#cache.get(clientId) === fetching) {
          this.#cache.set(clientId, { record, recheckAt: record ? undefined : this.#now() + this.#negativeTtlMs });
          if (!record) this.#rememberAbsent(clientId);
        }
        return record;
      },
      (error: unknown) => {
        if (this.#cache.get(clientId) === fetching) this.#cache.delete(clientId);
        throw error;
      },
    );
    this.#cache.set(clientId, fetching);
    return fetching;
  }

  #rememberAbsent(clientId: string): void {
    this.#absent.delete(clientId);
    this.#absent.add(clientId);
    if (this.#absent.size <= MAX_ABSENT) return;
    const [oldest] = this.#absent;
    this.#absent.delete(oldest!);
    if (this.#cache.get(oldest!) instanceof Promise) return;
    this.#cache.delete(oldest!);
  }

  put(record: ClientRecord): Promise<void> {
    return this.#inner.put(record);
  }

  delete(clientId: string): Promise<boolean> {
    return this.#inner.delete(clientId);
  }

  list(): Promise<ClientRecord[]> {
    return this.#inner.list();
  }

  /** Asks the catalog itself: the point is to notice what the cache would hide. */
  missing(clientIds: readonly string[]): Promise<string[]> {
    return this.#inner.missing(clientIds);
  }

  onChange(listener: (clientId: string) => void): () => void {
    return this.#inner.onChange(listener);
  }
}
