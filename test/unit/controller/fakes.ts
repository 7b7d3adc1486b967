// Fakes for the controller's unit tests: an API server that keeps objects and records every write, informer caches
// that see what it holds, an in-memory store, a clock and a recorded event list — no network.
import { ApiException, type V1Secret } from '@kubernetes/client-node';

import { clientIdOf, type OAuthClientSpec } from '../../../src/api/types.ts';
import type { EventType } from '../../../src/controller/events.ts';
import type { KubeApi, OAuthClientResource } from '../../../src/controller/kube.ts';
import type { ClientCache, ReconcileContext, ResourceCache } from '../../../src/controller/reconcile/context.ts';
import { CLIENT_LABEL } from '../../../src/controller/reconcile/secret.ts';
import { createLogger } from '../../../src/log.ts';
import { createMemoryStore } from '../../../src/store/memory/index.ts';
import type { Store } from '../../../src/store/types.ts';

export const ISSUER = 'https://id.example.test';

export function oauthClient(name: string, spec: OAuthClientSpec = {}, metadata: Partial<OAuthClientResource['metadata']> = {}): OAuthClientResource {
  return {
    apiVersion: 'purser.dev/v1alpha1',
    kind: 'OAuthClient',
    metadata: { name, namespace: 'team', uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' as unknown as Date, ...metadata },
    spec,
  };
}

const apiError = (code: number, message: string) => new ApiException(code, message, { code, message }, {});
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** RFC 7386 JSON merge patch: objects merge, `null` removes, everything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** What the API server holds, its writes (`verb namespace/name`), and caches that have seen every write. */
export class FakeCluster {
  readonly clients = new Map<string, OAuthClientResource>();
  readonly secrets = new Map<string, V1Secret>();
  readonly writes: string[] = [];
  readonly statusPatches: object[] = [];
  #version = 100;

  constructor(clients: OAuthClientResource[] = [], secrets: V1Secret[] = []) {
    for (const client of clients) this.clients.set(`${client.metadata.namespace}/${client.metadata.name}`, copy(client));
    for (const secret of secrets) this.secrets.set(`${secret.metadata!.namespace}/${secret.metadata!.name}`, copy(secret));
  }

  #bump(metadata: { resourceVersion?: string }): void {
    metadata.resourceVersion = String(++this.#version);
  }

  #checkVersion(kind: string, current: { resourceVersion?: string } | undefined, patch: object): void {
    const wanted = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== current?.resourceVersion) throw apiError(409, `${kind}: the object has been modified`);
  }

  readonly api: KubeApi = {
    patchClient: async (namespace, name, patch) => {
      const key = `${namespace}/${name}`;
      const current = this.clients.get(key);
      if (!current) throw apiError(404, `${key} not found`);
      this.#checkVersion('OAuthClient', current.metadata, patch);
      this.writes.push(`patchClient ${key}`);
      const next = mergePatch(current, copy(patch)) as OAuthClientResource;
      this.#bump(next.metadata);
      // The API server deletes an object being deleted once its last finalizer is gone.
      if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) this.clients.delete(key);
      else this.clients.set(key, next);
      return copy(next);
    },
    patchClientStatus: async (namespace, name, status) => {
      const key = `${namespace}/${name}`;
      const current = this.clients.get(key);
      if (!current) throw apiError(404, `${key} not found`);
      this.writes.push(`patchClientStatus ${key}`);
      this.statusPatches.push(copy(status));
      current.status = mergePatch(current.status, copy(status)) as OAuthClientResource['status'];
      this.#bump(current.metadata);
    },
    readSecret: async (namespace, name) => {
      const secret = this.secrets.get(`${namespace}/${name}`);
      return secret && copy(secret);
    },
    createSecret: async (namespace, secret) => {
      const key = `${namespace}/${secret.metadata!.name}`;
      if (this.secrets.has(key)) throw apiError(409, `Secret ${key} already exists`);
      this.writes.push(`createSecret ${key}`);
      const created = copy(secret);
      created.metadata = { ...created.metadata, uid: `uid-secret-${secret.metadata!.name}` };
      this.#bump(created.metadata);
      this.secrets.set(key, created);
      return copy(created);
    },
    patchSecret: async (namespace, name, patch) => {
      const key = `${namespace}/${name}`;
      const current = this.secrets.get(key);
      if (!current) throw apiError(404, `Secret ${key} not found`);
      this.#checkVersion('Secret', current.metadata, patch);
      this.writes.push(`patchSecret ${key}`);
      const next = mergePatch(current, copy(patch)) as V1Secret;
      this.#bump(next.metadata!);
      this.secrets.set(key, next);
      return copy(next);
    },
    deleteSecret: async (namespace, name, uid) => {
      const key = `${namespace}/${name}`;
      if (this.secrets.get(key)?.metadata?.uid !== uid) return;
      this.writes.push(`deleteSecret ${key}`);
      this.secrets.delete(key);
    },
    createEvent: async (namespace, event) => {
      this.writes.push(`createEvent ${namespace}/${event.involvedObject.name}`);
    },
    readLease: async () => undefined,
    createLease: async () => {
      throw new Error('not used by reconcile');
    },
    replaceLease: async () => {
      throw new Error('not used by reconcile');
    },
  };

  /** The OAuthClient informer's cache, caught up with every write. */
  readonly clientCache: ClientCache = {
    get: (namespace, name) => this.clients.get(`${namespace}/${name}`),
    list: () => [...this.clients.values()],
    withClientId: (clientId) => [...this.clients.values()].filter((client) => clientIdOf(client) === clientId),
  };

  /** The Secret informer's cache: only labelled Secrets, as its label selector sees them. */
  readonly secretCache: ResourceCache<V1Secret> = {
    get: (namespace, name) => {
      const secret = this.secrets.get(`${namespace}/${name}`);
      return secret?.metadata?.labels?.[CLIENT_LABEL] ? secret : undefined;
    },
    list: () => [...this.secrets.values()].filter((secret) => secret.metadata?.labels?.[CLIENT_LABEL]),
  };
}

export interface RecordedEvent {
  name: string;
  type: EventType;
  reason: string;
  message: string;
}

export interface TestContext extends ReconcileContext {
  events: RecordedEvent[];
  enqueued: string[];
  /** Moves the injected clock. */
  advance(seconds: number): void;
}

/** A reconcile context over `cluster` (or given caches), with a fixed clock that `advance` moves. */
export function testContext(options: { cluster?: FakeCluster; clients?: OAuthClientResource[]; store?: Store; watches?: (namespace: string) => boolean } = {}): TestContext {
  const cluster = options.cluster ?? new FakeCluster(options.clients ?? []);
  let now = Date.parse('2025-06-01T12:00:00.250Z');
  const events: RecordedEvent[] = [];
  const enqueued: string[] = [];
  const onceKeys = new Set<string>();
  return {
    kube: cluster.api,
    clients: cluster.clientCache,
    secrets: cluster.secretCache,
    store: options.store ?? createMemoryStore(() => now),
    watches: options.watches ?? (() => true),
    issuer: ISSUER,
    secretRotationOverlap: 3600,
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
    },
    removals: new Map(),
    recordEvent: async (client, type, reason, message, once) => {
      // As the API server does with a named Event: the second one of the same name is refused.
      if (once !== undefined && onceKeys.has(`${client.metadata.uid} ${once}`)) return;
      if (once !== undefined) onceKeys.add(`${client.metadata.uid} ${once}`);
      events.push({ name: client.metadata.name, type, reason, message });
    },
    enqueue: (key) => enqueued.push(key),
    log: createLogger({ level: 'silent', format: 'json' }),
    events,
    enqueued,
    advance: (seconds) => (now += seconds * 1000),
  };
}
