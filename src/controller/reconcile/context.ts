// What every reconcile step may use: the API calls, the informer caches, the store, the clock and the recorder.
import type { V1Secret } from '@kubernetes/client-node';

import type { Logger } from '../../log.ts';
import type { Store } from '../../store/types.ts';
import type { RecordEvent } from '../events.ts';
import type { KubeApi, OAuthClientResource } from '../kube.ts';

/** A read-only view of an informer's cache. Never mutate what it returns: `structuredClone` first. */
export interface ResourceCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(): readonly T[];
}

/** The OAuthClient cache, also looked up by client_id. */
export interface ClientCache extends ResourceCache<OAuthClientResource> {
  /** Every cached OAuthClient whose client_id is `clientId`, in no particular order. */
  withClientId(clientId: string): OAuthClientResource[];
}

export interface ReconcileContext {
  kube: KubeApi;
  clients: ClientCache;
  /** Secrets labelled as belonging to an OAuthClient (others are read from the API server). */
  secrets: ResourceCache<V1Secret>;
  store: Store;
  /** Whether this controller watches OAuthClients in the namespace. */
  watches(namespace: string): boolean;
  issuer: string;
  /** Seconds a rotated-out client secret keeps working. */
  secretRotationOverlap: number;
  now(): Date;
  /** Waits (an injected clock in tests). */
  sleep(ms: number): Promise<void>;
  /** client_id → epoch ms at which removeClient took its record away (cleanup.ts); this process's memory only. */
  removals: Map<string, number>;
  recordEvent: RecordEvent;
  /** Queues another OAuthClient (`namespace/name`) for reconciliation. */
  enqueue(key: string): void;
  log: Logger;
}

/** What a step found that stops the client from being served, and when to look again. */
export interface Blocked {
  reason: string;
  message: string;
  /** Look again after this long even if nothing changes (e.g. a Secret nobody will tell us about). */
  requeueAfterMs?: number;
}

export const keyOf = (client: OAuthClientResource): string => `${client.metadata.namespace}/${client.metadata.name}`;

export const tokenEndpointOf = (issuer: string): string => `${issuer.replace(/\/$/, '')}/token`;
