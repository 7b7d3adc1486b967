// What ioredis throws when Redis cannot serve a command now, as opposed to a bug of ours.
import type { StoreFault } from '../unavailable.ts';

/**
 * `full`: Redis refused a write at `maxmemory` (`OOM command not allowed...`, also inside a script's error);
 * `timeout`: no answer within `commandTimeout`; `unreachable`: the connection is down and retries ran out.
 */
export function classifyRedisFault(error: unknown): StoreFault | undefined {
  if (!(error instanceof Error)) return undefined;
  if (/\bOOM command not allowed\b/.test(error.message)) return 'full';
  if (error.message === 'Command timed out') return 'timeout';
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ClusterAllFailedError') return 'unreachable';
  if (/^(Connection is closed|Stream isn't writeable)/.test(error.message)) return 'unreachable';
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return 'unreachable';
  if (/^(LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/.test(error.message)) return 'unreachable';
  return undefined;
}
