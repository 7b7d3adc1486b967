// The embedded store `npm start` uses: everything in this process, nothing shared.
import type { Store } from '../types.ts';
import { MemoryApiCatalog } from './api-catalog.ts';
import { MemoryArtifactStore } from './artifacts.ts';
import { MemoryClientCatalog } from './catalog.ts';
import { MemoryRateCounters } from './counters.ts';
import { MemoryLogoutQueue } from './logout-queue.ts';
import { MemoryWorkloadIssuers } from './workload-issuers.ts';

export function createMemoryStore(now?: () => number): Store & { artifacts: MemoryArtifactStore; counters: MemoryRateCounters; logouts: MemoryLogoutQueue } {
  const artifacts = new MemoryArtifactStore(now);
  const counters = new MemoryRateCounters(now);
  return {
    artifacts,
    counters,
    clients: new MemoryClientCatalog(),
    apis: new MemoryApiCatalog(),
    logouts: new MemoryLogoutQueue(now),
    workloadIssuers: new MemoryWorkloadIssuers(now),
    ping: async () => {},
    close: async () => {
      artifacts.close();
      counters.close();
    },
  };
}
