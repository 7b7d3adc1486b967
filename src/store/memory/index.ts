// The embedded store `npm start` uses: everything in this process, nothing shared.
import type { Store } from '../types.ts';
import { MemoryArtifactStore } from './artifacts.ts';
import { MemoryClientCatalog } from './catalog.ts';

export function createMemoryStore(now?: () => number): Store & { artifacts: MemoryArtifactStore } {
  const artifacts = new MemoryArtifactStore(now);
  return {
    artifacts,
    clients: new MemoryClientCatalog(),
    ping: async () => {},
    close: async () => artifacts.close(),
  };
}
