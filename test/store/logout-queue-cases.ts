// The LogoutQueue contract (src/store/types.ts), one case per rule; runStoreConformance runs them on every backend.
import { expect, it } from 'vitest';

import type { LogoutJob } from '../../src/store/types.ts';
import type { StoreUnderTest } from './conformance.ts';

const job = (jti: string): LogoutJob => ({ jti, clientId: 'web.team', sub: 'alice', sid: `sid-${jti}` });
const jtis = (claimed: { job: LogoutJob }[]) => claimed.map((entry) => entry.job.jti).sort();

export function logoutQueueCases(current: () => StoreUnderTest): void {
  it('hands an enqueued job out once, counting attempts, until its lease ends', async () => {
    const { store, elapse } = current();
    await store.logouts.enqueue(job('j1'), 60);
    expect(await store.logouts.claim(10, 300)).toEqual([{ job: job('j1'), attempt: 1 }]);
    expect(await store.logouts.claim(10, 300)).toEqual([]);
    await elapse(400);
    expect(await store.logouts.claim(10, 300)).toEqual([{ job: job('j1'), attempt: 2 }]);
  });

  it('keeps a rescheduled job until its delay is over, and forgets a finished one', async () => {
    const { store, elapse } = current();
    await store.logouts.enqueue(job('later'), 60);
    await store.logouts.enqueue(job('done'), 60);
    expect(jtis(await store.logouts.claim(10, 60_000))).toEqual(['done', 'later']);
    await store.logouts.retryLater('later', 200);
    await store.logouts.finish('done');
    expect(await store.logouts.claim(10, 60_000)).toEqual([]);
    await elapse(300);
    expect(await store.logouts.claim(10, 60_000)).toEqual([{ job: job('later'), attempt: 2 }]);
    await store.logouts.retryLater('done', 0);
    expect(await store.logouts.claim(10, 60_000)).toEqual([]);
  });

  it('takes back the attempt of a released job, which is due again after its delay', async () => {
    const { store, elapse } = current();
    await store.logouts.enqueue(job('back'), 60);
    expect(await store.logouts.claim(10, 60_000)).toEqual([{ job: job('back'), attempt: 1 }]);
    await store.logouts.release('back', 200);
    expect(await store.logouts.claim(10, 60_000)).toEqual([]);
    await elapse(300);
    expect(await store.logouts.claim(10, 60_000)).toEqual([{ job: job('back'), attempt: 1 }]);
    await store.logouts.finish('back');
    await store.logouts.release('back', 0);
    expect(await store.logouts.claim(10, 60_000)).toEqual([]);
  });

  it('takes at most `limit` jobs at a time', async () => {
    const { store } = current();
    for (const jti of ['a', 'b', 'c']) await store.logouts.enqueue(job(jti), 60);
    expect(await store.logouts.claim(2, 60_000)).toHaveLength(2);
    expect(await store.logouts.claim(2, 60_000)).toHaveLength(1);
  });

  it('drops a job when its retention ends, delivered or not', async () => {
    const { store, elapse } = current();
    await store.logouts.enqueue(job('old'), 1);
    await elapse(1_200);
    expect(await store.logouts.claim(10, 60_000)).toEqual([]);
  });

  it('gives each due job to one of many concurrent claimers, across handles', async () => {
    const { store, peer } = current();
    const other = await peer();
    try {
      for (let i = 0; i < 20; i++) await store.logouts.enqueue(job(`c${i}`), 60);
      const rounds = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).logouts.claim(5, 60_000)));
      const claimed = rounds.flat().map((entry) => entry.job.jti);
      expect(claimed).toHaveLength(20);
      expect(new Set(claimed).size).toBe(20);
    } finally {
      if (other !== store) await other.close();
    }
  });

  it('holds no logout token (a job is signed only when delivered)', async () => {
    const { store, dump } = current();
    await store.logouts.enqueue(job('ttl'), 60);
    expect((await dump()).join('\n')).not.toMatch(/eyJ/);
  });
}
