// Leader election over a coordination.k8s.io Lease, as client-go does it: the holder renews the Lease; a candidate
// takes it once it has seen no renewal for a whole lease duration (measured on its own clock, so clock skew between
// replicas does not matter). A leader that cannot renew in time stops leading.
import { V1MicroTime } from '@kubernetes/client-node';

import type { Logger } from '../log.ts';
import { statusCodeOf, type KubeApi } from './kube.ts';

export interface LeaderElectionOptions {
  kube: KubeApi;
  namespace: string;
  name: string;
  identity: string;
  /** Seconds. */
  leaseDuration: number;
  log: Logger;
  onStartedLeading(): void;
  /** Called once leadership is lost (not after `release`). */
  onStoppedLeading(): void;
}

export interface LeaderElection {
  readonly isLeader: boolean;
  /** Stops campaigning and gives the Lease up if this replica holds it, so a standby takes over at once. */
  release(): Promise<void>;
}

/** Lease times are RFC 3339 with microseconds. */
const microTime = (time: Date | string) => new V1MicroTime(new Date(time).getTime());

/** Rejects when `promise` has not settled within `ms` (the promise itself goes on; its outcome is ignored). */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { kube, namespace, name, identity, log } = options;
  const durationMs = options.leaseDuration * 1000;
  const retryMs = Math.max(200, durationMs / 5);
  const renewDeadlineMs = (durationMs * 2) / 3;
  let leader = false;
  let stopped = false;
  let lastRenewal = 0;
  /** The Lease record last seen and when (local clock) it was first seen. */
  let observed: { record: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** The try under way; release() waits for it, so that its write cannot land after (and undo) the release. */
  let ticking: Promise<void> = Promise.resolve();

  const spec = (now: Date, acquireTime: Date | string | undefined, transitions: number) => ({
    holderIdentity: identity,
    leaseDurationSeconds: options.leaseDuration,
    acquireTime: microTime(acquireTime ?? now),
    renewTime: microTime(now),
    leaseTransitions: transitions,
  });

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const lease = await kube.readLease(namespace, name);
    if (!lease) {
      await kube.createLease(namespace, { metadata: { name, namespace }, spec: spec(now, undefined, 0) });
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const record = `${holder}@${String(lease.spec?.renewTime ?? '')}`;
    if (observed?.record !== record) observed = { record, at: Date.now() };
    const heldByOther = holder !== '' && holder !== identity;
    if (heldByOther && Date.now() - observed.at < (lease.spec?.leaseDurationSeconds ?? options.leaseDuration) * 1000) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    const acquireTime = holder === identity ? lease.spec?.acquireTime : undefined;
    // replace is conditional on the resourceVersion read above: of two candidates, one gets 409.
    await kube.replaceLease(namespace, { ...lease, spec: spec(now, acquireTime, transitions) });
    return true;
  }

  async function tick(): Promise<void> {
    let held = false;
    // A hung request must not keep a leader leading past its deadline while a standby takes over.
    const budgetMs = leader ? Math.max(200, renewDeadlineMs - (Date.now() - lastRenewal)) : durationMs;
    try {
      held = await withDeadline(tryAcquireOrRenew(), budgetMs);
    } catch (error) {
      if (statusCodeOf(error) !== 409) log.warn({ err: error }, 'leader election: could not read or update the Lease');
    }
    if (held) lastRenewal = Date.now();
    if (stopped) return; // release() settles the Lease now
    if (held && !leader) {
      leader = true;
      log.info({ identity, lease: `${namespace}/${name}` }, 'became the leader');
      options.onStartedLeading();
    } else if (leader && Date.now() - lastRenewal >= renewDeadlineMs) {
      leader = false;
      // A replica that lost the Lease does not campaign again: its process stops and restarts as a standby.
      stopped = true;
      log.error({ identity }, 'lost the leader Lease');
      options.onStoppedLeading();
    }
  }

  const loop = async () => {
    ticking = tick();
    await ticking;
    if (!stopped) timer = setTimeout(loop, retryMs);
  };
  void loop();

  return {
    get isLeader() {
      return leader;
    },
    release: async () => {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      leader = false;
      try {
        const lease = await kube.readLease(namespace, name);
        if (lease?.spec?.holderIdentity === identity) {
          await kube.replaceLease(namespace, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
        }
      } catch (error) {
        log.warn({ err: error }, 'leader election: could not release the Lease');
      }
    },
  };
}
