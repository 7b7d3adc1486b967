// How often an OAuthAPI's status may be rewritten when only its list of admitted clients moved. The list names every
// admitted client (~300 KB with 2000): rewritten for each of a burst of new clients, it cost the API server a large
// write and every watcher a large event per client. The record the server decides from is written at once whatever
// this says; only the status waits, and the key comes back when the wait is over, so the status still converges.
import type { OAuthAPIStatus } from '../../api/oauth-api.ts';
import { READY, findCondition } from '../conditions.ts';

/** At least this long between two status writes of one OAuthAPI that only move its admitted clients (ms). */
export const ADMITTED_STATUS_INTERVAL_MS = 2_000;

/** Whether `next` differs from `previous` in more than the admitted clients (their list, count, and the Ready message counting them). */
export function isUrgent(previous: OAuthAPIStatus, next: OAuthAPIStatus): boolean {
  const [before, after] = [findCondition(previous.conditions, READY), findCondition(next.conditions, READY)];
  return previous.observedGeneration !== next.observedGeneration || before?.status !== after?.status || before?.reason !== after?.reason;
}

/**
 * Paces status writes per OAuthAPI (`namespace/name`), in this process's memory: a leader that fails over writes at
 * once, which is only early. `now` in epoch ms.
 */
export function statusPace(intervalMs = ADMITTED_STATUS_INTERVAL_MS) {
  const writtenAt = new Map<string, number>();
  return {
    /** 0 when `next` may be written now, else the ms to wait before writing it. */
    waitMs(api: string, previous: OAuthAPIStatus, next: OAuthAPIStatus, now: number): number {
      const last = writtenAt.get(api);
      if (last === undefined || isUrgent(previous, next)) return 0;
      return Math.max(0, last + intervalMs - now);
    },
    written(api: string, now: number): void {
      writtenAt.set(api, now);
    },
    forget(api: string): void {
      writtenAt.delete(api);
    },
  };
}

export type StatusPace = ReturnType<typeof statusPace>;
