// A Store decorator that turns the backend's faults (full, too slow, unreachable) into StoreUnavailableError, at
// the one boundary every caller goes through: oidc-provider's adapter, the client and API catalogs, the rate counters, the logout queue.
import type { Store } from './types.ts';
import { StoreUnavailableError, type StoreFault } from './unavailable.ts';

/** Names the fault behind a backend error, or `undefined` for anything else (a bug, a bad payload). */
export type FaultClassifier = (error: unknown) => StoreFault | undefined;

/** Every method of `target` that returns a promise rejects with StoreUnavailableError for a classified fault. */
function guarded<T extends object>(target: T, classify: FaultClassifier): T {
  const translate = (error: unknown) => {
    const fault = error instanceof StoreUnavailableError ? undefined : classify(error);
    throw fault ? new StoreUnavailableError(fault, error) : error;
  };
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(object, args);
        return result instanceof Promise ? result.catch(translate) : result;
      };
    },
  });
}

export function guardStore(store: Store, classify: FaultClassifier): Store {
  return {
    ...store,
    artifacts: guarded(store.artifacts, classify),
    counters: guarded(store.counters, classify),
    clients: guarded(store.clients, classify),
    apis: guarded(store.apis, classify),
    logouts: guarded(store.logouts, classify),
    workloadIssuers: guarded(store.workloadIssuers, classify),
  };
}
