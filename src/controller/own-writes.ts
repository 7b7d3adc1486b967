// The object versions the controller's own writes produced, so that the watch event of each does not queue its
// object for a reconcile that can only find it converged.
import type { KubernetesObject } from '@kubernetes/client-node';

export type WrittenKind = 'OAuthClient' | 'Secret';

/** Versions kept per object: a reconcile writes an object at most twice (finalizer, status) before its events come. */
const KEPT = 4;

const keyOf = (kind: WrittenKind, object: KubernetesObject): string => `${kind}/${object.metadata?.namespace}/${object.metadata?.name}`;

/**
 * A reconcile that writes an OAuthClient (finalizer, status) or creates its Secret has read everything the write
 * depends on, so the watch event that write causes tells the controller nothing new: reconciling again for it cost
 * a no-op reconcile per new client. A change by anyone else has another resourceVersion and queues as before; so do
 * the resync and a failed reconcile's retry. The watch event often comes before the write's own response, so an
 * event for an object with a write in flight waits for the write to tell whose version it is.
 */
export class OwnWrites {
  readonly #versions = new Map<string, string[]>();
  readonly #inFlight = new Map<string, { count: number; waiting: { object: KubernetesObject; then: () => void }[] }>();

  /** Runs a write of `object` (kind, namespace, name), noting the version it returns. */
  async write<T extends KubernetesObject>(kind: WrittenKind, object: KubernetesObject, call: () => Promise<T>): Promise<T> {
    const key = keyOf(kind, object);
    const flight = this.#inFlight.get(key) ?? { count: 0, waiting: [] };
    this.#inFlight.set(key, flight);
    flight.count += 1;
    try {
      const written = await call();
      const { resourceVersion } = written.metadata ?? {};
      if (resourceVersion) this.#versions.set(key, [...(this.#versions.get(key) ?? []), resourceVersion].slice(-KEPT));
      return written;
    } finally {
      flight.count -= 1;
      if (flight.count === 0) {
        this.#inFlight.delete(key);
        for (const { object: seen, then } of flight.waiting) this.unlessOwn(kind, seen, then);
      }
    }
  }

  /**
   * Calls `then` (queue the object) unless the watched object is a version an own write produced, which it forgets
   * with the older ones (watch events come in resourceVersion order); with a write in flight, once that write is done.
   */
  unlessOwn(kind: WrittenKind, object: KubernetesObject, then: () => void): void {
    const key = keyOf(kind, object);
    const flight = this.#inFlight.get(key);
    if (flight) {
      flight.waiting.push({ object, then });
      return;
    }
    const versions = this.#versions.get(key);
    const index = versions?.indexOf(object.metadata?.resourceVersion ?? '') ?? -1;
    if (index < 0) return then();
    const newer = versions!.slice(index + 1);
    if (newer.length) this.#versions.set(key, newer);
    else this.#versions.delete(key);
  }

  /** Forgets a deleted object. */
  forget(kind: WrittenKind, object: KubernetesObject): void {
    this.#versions.delete(keyOf(kind, object));
  }
}
