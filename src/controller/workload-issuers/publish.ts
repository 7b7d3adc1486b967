// The controller's periodic task: read every ServiceAccount issuer source (the cluster's own, the trusted ones) and
// publish them together to the servers through the store. A source whose read fails keeps its last good keys, and
// the record is written on every run, so its TTL never runs out while the controller lives even when the API server
// is down; servers keep verifying meanwhile.
import type { Logger } from '../../log.ts';
import type { WorkloadIssuer, WorkloadIssuerStore } from '../../store/types.ts';

/** How long the published record outlives the controller's last write: a day without a controller. */
export const ISSUERS_TTL_SECONDS = 24 * 3600;

/** One source of issuer keys, named for logs. */
export interface IssuerSource {
  name: string;
  read(): Promise<WorkloadIssuer>;
}

export interface PublishDependencies {
  store: WorkloadIssuerStore;
  sources: () => Promise<IssuerSource[]>;
  log: Logger;
  /** Epoch milliseconds. */
  now?: () => number;
}

/** The task; each run reads every source once and writes the record once. */
export function issuerPublisher({ store, sources, log, now = Date.now }: PublishDependencies): () => Promise<void> {
  const lastGood = new Map<string, WorkloadIssuer>();
  return async () => {
    const current = await sources();
    await Promise.all(
      current.map(async (source) => {
        try {
          lastGood.set(source.name, await source.read());
        } catch (error) {
          log.warn({ err: error, source: source.name, keptKeys: lastGood.has(source.name) }, 'reading service-account issuer keys failed; the last good keys stay published');
        }
      }),
    );
    const names = new Set(current.map((source) => source.name));
    const issuers = [...lastGood].filter(([name]) => names.has(name)).map(([, issuer]) => issuer);
    if (!issuers.length) return;
    await store.put({ issuers, readAt: Math.floor(now() / 1000) }, ISSUERS_TTL_SECONDS);
  };
}
