// The forked servers' side of the memory report (memory.ts): on `{ memory: true }` over the fork IPC channel, they
// answer with process.memoryUsage() and V8's heap spaces, so the measured app needs no extra route.
import { getHeapSpaceStatistics } from 'node:v8';

/** Bytes: RSS and V8's view of the heap, and each heap space's committed and used size. */
export interface HeapReport {
  usage: NodeJS.MemoryUsage;
  spaces: { name: string; size: number; used: number }[];
}

export function heapReport(): HeapReport {
  return {
    usage: process.memoryUsage(),
    spaces: getHeapSpaceStatistics().map((space) => ({ name: space.space_name, size: space.space_size, used: space.space_used_size })),
  };
}

/** Answers every `{ memory: true }` message from the parent with `{ memory: HeapReport }`. */
export function answerMemoryRequests(): void {
  process.on('message', (message: { memory?: boolean }) => {
    if (message.memory) process.send!({ memory: heapReport() });
  });
}
