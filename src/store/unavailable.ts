// The error a store operation throws when its backend cannot serve it now (full, too slow, unreachable): an OAuth
// `temporarily_unavailable` (RFC 6749 §4.1.2.1) with HTTP status 503, exposed, so that oidc-provider's handlers,
// the interaction pages and the app's last-resort handler all answer it as they answer any exposed error: JSON for
// programs, the error page for browsers, a redirect to the client from /auth once its redirect_uri is trusted.
import { errors } from 'oidc-provider';

export const TEMPORARILY_UNAVAILABLE = 'temporarily_unavailable';

/** Why the backend refused: `full` (Redis at `maxmemory` with `noeviction`), `timeout` (no answer in time), `unreachable`. */
export type StoreFault = 'full' | 'timeout' | 'unreachable';

/** The `error_description` of each fault: what the caller can do (retry), never the backend's own message. */
export const STORE_FAULT_DESCRIPTIONS: Readonly<Record<StoreFault, string>> = {
  full: 'the server cannot store anything right now (its store is full); nothing was changed, retry later',
  timeout: 'the server\'s store did not answer in time; retry later',
  unreachable: 'the server cannot reach its store; retry later',
};

export class StoreUnavailableError extends errors.TemporarilyUnavailable {
  readonly fault: StoreFault;

  constructor(fault: StoreFault, cause: unknown) {
    super(STORE_FAULT_DESCRIPTIONS[fault], { cause });
    this.fault = fault;
    this.status = 503;
    this.statusCode = 503;
    // oidc-provider hides every 5xx as server_error; this one tells the caller to retry, so it is shown.
    this.expose = true;
  }
}
