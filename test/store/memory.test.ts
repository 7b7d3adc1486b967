import { createMemoryStore } from '../../src/store/memory/index.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('memory', async () => {
  const store = createMemoryStore();
  return {
    store,
    dump: async () => [...store.artifacts.dump(), ...store.counters.dump()],
    indexSize: async (index) => store.artifacts.indexSize(index),
    // One process, one memory: another handle is the same store.
    peer: async () => store,
    cleanup: () => store.close(),
  };
});
