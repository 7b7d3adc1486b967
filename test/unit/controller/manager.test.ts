// The manager: every replica's runnables start first and in order, the leader's after them; stopping goes in reverse,
// the leader's first (their work finishes before the caches and the store close).
import { describe, expect, it } from 'vitest';

import { createManager, type Runnable } from '../../../src/controller/manager.ts';
import { createLogger } from '../../../src/log.ts';

function recording(log: string[], name: string, needsLeaderElection: boolean): Runnable {
  return {
    name,
    needsLeaderElection,
    start: async () => void log.push(`start ${name}`),
    stop: async () => void log.push(`stop ${name}`),
  };
}

describe('createManager', () => {
  it('without an election: every replica runnable, then the leader ones; stops them in reverse, leader ones first', async () => {
    const log: string[] = [];
    const leading: boolean[] = [];
    const manager = createManager({ log: createLogger({ level: 'silent', format: 'json' }), onLeading: (value) => leading.push(value) });
    manager.add(recording(log, 'store', false));
    manager.add(recording(log, 'workers', true));
    manager.add(recording(log, 'informers', false));
    manager.add(recording(log, 'resync', true));
    await manager.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start store', 'start informers', 'start workers', 'start resync']);
    expect(manager.isLeader).toBe(true);
    expect(leading).toEqual([true]);

    await manager.stop();
    expect(log.slice(4)).toEqual(['stop resync', 'stop workers', 'stop informers', 'stop store']);
    expect(manager.isLeader).toBe(false);
    await manager.stop();
    expect(log).toHaveLength(8);
  });
});
