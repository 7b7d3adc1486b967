// Leader election against an in-memory Lease with the API server's optimistic concurrency (a stale resourceVersion
// gets 409): release() gives the Lease up even when a renewal is on its way at that moment.
import { ApiException, type V1Lease } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { KubeApi } from '../../../src/controller/kube.ts';
import { startLeaderElection } from '../../../src/controller/leader-election.ts';
import { createLogger } from '../../../src/log.ts';

const LEASE_SECONDS = 3;
const RETRY_MS = (LEASE_SECONDS * 1000) / 5;

/** One Lease, versioned like the API server does it; `holdWrites` parks every replace until the returned function runs. */
function fakeLeases() {
  let stored: V1Lease | undefined;
  let version = 0;
  let gate: Promise<void> | undefined;
  const save = (lease: V1Lease) => {
    stored = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++version) } };
    return structuredClone(stored);
  };
  const kube: Pick<KubeApi, 'readLease' | 'createLease' | 'replaceLease'> = {
    readLease: async () => stored && structuredClone(stored),
    createLease: async (_namespace, lease) => {
      if (stored) throw new ApiException(409, 'AlreadyExists', {}, {});
      return save(lease);
    },
    replaceLease: async (_namespace, lease) => {
      await gate;
      if (lease.metadata?.resourceVersion !== stored?.metadata?.resourceVersion) throw new ApiException(409, 'Conflict', {}, {});
      return save(lease);
    },
  };
  return {
    kube: kube as KubeApi,
    holder: () => stored?.spec?.holderIdentity,
    holdWrites: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

/** Campaigns as `me` for the fake Lease, with the given callbacks. */
function elect(leases: ReturnType<typeof fakeLeases>, callbacks: { onStartedLeading?: () => void; onStoppedLeading?: () => void }) {
  return startLeaderElection({
    kube: leases.kube,
    namespace: 'ns',
    name: 'lease',
    identity: 'me',
    leaseDuration: LEASE_SECONDS,
    log: createLogger({ level: 'silent', format: 'json' }),
    onStartedLeading: callbacks.onStartedLeading ?? (() => {}),
    onStoppedLeading: callbacks.onStoppedLeading ?? (() => {}),
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('leader election', () => {
  it('release() while a renewal is under way: the renewal lands first and the Lease is given up after it', async () => {
    vi.useFakeTimers();
    const leases = fakeLeases();
    const onStartedLeading = vi.fn();
    const election = elect(leases, { onStartedLeading });
    await vi.advanceTimersByTimeAsync(0);
    expect(election.isLeader).toBe(true);

    const openWrites = leases.holdWrites();
    await vi.advanceTimersByTimeAsync(RETRY_MS); // the renewal has read the Lease and waits to write it
    const released = election.release();
    await vi.advanceTimersByTimeAsync(0);
    openWrites();
    await released;

    expect(leases.holder()).toBe('');
    expect(election.isLeader).toBe(false);
    expect(onStartedLeading).toHaveBeenCalledTimes(1);
  });

  it('a leader whose renewals hang steps down by its renew deadline, and does not campaign again', async () => {
    vi.useFakeTimers();
    const leases = fakeLeases();
    const onStoppedLeading = vi.fn();
    const election = elect(leases, { onStoppedLeading });
    await vi.advanceTimersByTimeAsync(0);
    expect(election.isLeader).toBe(true);

    const openWrites = leases.holdWrites(); // every renewal from now on hangs
    const renewDeadlineMs = (LEASE_SECONDS * 1000 * 2) / 3;
    // Still short of the lease duration, after which a standby may take over.
    await vi.advanceTimersByTimeAsync(renewDeadlineMs + RETRY_MS);
    expect(election.isLeader).toBe(false);
    expect(onStoppedLeading).toHaveBeenCalledTimes(1);

    openWrites();
    await vi.advanceTimersByTimeAsync(LEASE_SECONDS * 1000 * 3);
    expect(election.isLeader).toBe(false);
    expect(onStoppedLeading).toHaveBeenCalledTimes(1);
  });
});
