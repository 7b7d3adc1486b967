import { createMemoryStore } from '../../src/store/memory/index.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('memory', async () => {
  // The store reads time only through this clock, so expiry is tested by moving it: no real waiting.
  let now = Date.now();
  const store = createMemoryStore(() => now);
  return {
    store,
    dump: async () => [...store.artifacts.dump(), ...store.counters.dump()],
    indexSize: async (index) => store.artifacts.indexSize(index),
    // One process, one memory: another handle is the same store.
    peer: async () => store,
    elapse: async (ms) => void (now += ms),
    cleanup: () => store.close(),
  };
});
