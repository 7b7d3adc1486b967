// Catalog decorators that keep records in process memory and drop them when the catalog says they changed, so a
// token request never waits on the network for its client or for its audience's OAuthAPI. One generic cache serves
// both catalogs: they share a shape (get / put / delete / list / onChange by key, '*' for "drop everything").
import { ALL_APIS, ALL_CLIENTS, type ApiCatalog, type ApiRecord, type ClientCatalog, type ClientRecord } from './types.ts';

/** What the client catalog and the API catalog have in common. */
interface Catalog<R> {
  get(key: string): Promise<R | undefined>;
  put(record: R): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(): Promise<R[]>;
  /** Calls `listener` with the key of every change, or the "everything" key when changes may have been missed. */
  onChange(listener: (key: string) => void): () => void;
}

interface Cached<R> {
  record: R | undefined;
  /** For absent keys only: when to ask again (epoch ms). */
  recheckAt?: number;
}

export interface CacheOptions {
  /** Seconds an absent key is remembered (a change notification ends it sooner). */
  negativeTtlSeconds?: number;
  now?: () => number;
}

/** At most this many absent keys are remembered, so random ones sent by anyone cannot grow memory. */
const MAX_ABSENT = 1000;

class CachedCatalog<R> implements Catalog<R> {
  protected readonly inner: Catalog<R>;
  readonly #cache = new Map<string, Cached<R> | Promise<R | undefined>>();
  /** The absent keys in the cache, oldest first. */
  readonly #absent = new Set<string>();
  readonly #plausible: RegExp;
  readonly #negativeTtlMs: number;
  readonly #now: () => number;

  /** `plausible`: what a key can look like; anything else is never looked up. `everything`: the catalog's "drop all" key. */
  constructor(inner: Catalog<R>, plausible: RegExp, everything: string, { negativeTtlSeconds = 5, now = Date.now }: CacheOptions) {
    this.inner = inner;
    this.#plausible = plausible;
    this.#negativeTtlMs = negativeTtlSeconds * 1000;
    this.#now = now;
    inner.onChange((key) => {
      if (key === everything) {
        this.#cache.clear();
        this.#absent.clear();
      } else {
        this.#cache.delete(key);
        this.#absent.delete(key);
      }
    });
  }

  /** The cached record if there is one, without I/O; `undefined` when it must be fetched. */
  peek(key: string): R | undefined {
    const cached = this.#cache.get(key);
    return cached && !(cached instanceof Promise) ? cached.record : undefined;
  }

  /** The record, from memory when cached. Shared with every caller: never mutate it. */
  async get(key: string): Promise<R | undefined> {
    if (!this.#plausible.test(key)) return undefined;
    const cached = this.#cache.get(key);
    if (cached instanceof Promise) return cached;
    if (cached && (cached.recheckAt === undefined || cached.recheckAt > this.#now())) return cached.record;
    // One fetch per key at a time, however many requests are waiting for it. A change notified meanwhile removes the
    // pending entry, so the (maybe stale) answer is handed to those waiting but not kept.
    const fetching = this.inner.get(key).then(
      (record) => {
        if (this.#cache.get(key) === fetching) {
          this.#cache.set(key, { record, recheckAt: record ? undefined : this.#now() + this.#negativeTtlMs });
          if (!record) this.#rememberAbsent(key);
        }
        return record;
      },
      (error: unknown) => {
        if (this.#cache.get(key) === fetching) this.#cache.delete(key);
        throw error;
      },
    );
    this.#cache.set(key, fetching);
    return fetching;
  }

  #rememberAbsent(key: string): void {
    this.#absent.delete(key);
    this.#absent.add(key);
    if (this.#absent.size <= MAX_ABSENT) return;
    const [oldest] = this.#absent;
    this.#absent.delete(oldest!);
    if (this.#cache.get(oldest!) instanceof Promise) return;
    this.#cache.delete(oldest!);
  }

  put(record: R): Promise<void> {
    return this.inner.put(record);
  }

  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }

  list(): Promise<R[]> {
    return this.inner.list();
  }

  onChange(listener: (key: string) => void): () => void {
    return this.inner.onChange(listener);
  }
}

/** What a client_id can look like (printable ASCII, as the API validates it). */
const PLAUSIBLE_CLIENT_ID = /^[\x21-\x7E]{1,200}$/;

export class CachedClientCatalog extends CachedCatalog<ClientRecord> implements ClientCatalog {
  declare protected readonly inner: ClientCatalog;

  constructor(inner: ClientCatalog, options: CacheOptions = {}) {
    super(inner, PLAUSIBLE_CLIENT_ID, ALL_CLIENTS, options);
  }

  /** Asks the catalog itself: the point is to notice what the cache would hide. */
  missing(clientIds: readonly string[]): Promise<string[]> {
    return this.inner.missing(clientIds);
  }
}

/** What an audience can look like (printable ASCII, at most the CRD's maxLength). */
const PLAUSIBLE_AUDIENCE = /^[\x21-\x7E]{1,2048}$/;

/**
 * The API catalog as the server reads it: one Redis GET per audience until an OAuthAPI changes (the controller's
 * `put`/`delete` notify every replica through `<prefix>apis:changed`), instead of one per token request.
 */
export class CachedApiCatalog extends CachedCatalog<ApiRecord> implements ApiCatalog {
  constructor(inner: ApiCatalog, options: CacheOptions = {}) {
    super(inner, PLAUSIBLE_AUDIENCE, ALL_APIS, options);
  }
}
