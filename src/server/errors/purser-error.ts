// Purser's errors: an HTTP status, an OAuth `error` code, a public description and an internal detail, like
// oidc-provider's own (they extend its base class, so oidc-provider's handlers render them unchanged).
import { errors } from 'oidc-provider';

import { INVALID_CLIENT, INVALID_GRANT, INVALID_REQUEST, INVALID_SCOPE, INVALID_TARGET, INVALID_TOKEN, SERVER_ERROR, SLOW_DOWN, UNAUTHORIZED_CLIENT } from './codes.ts';
import { SERVER_FAULT } from './descriptions.ts';

/** A WWW-Authenticate challenge: the scheme, and whether it names the error (RFC 6750 §3.1: not without credentials). */
export interface Challenge {
  scheme: 'Basic' | 'Bearer';
  bare?: boolean;
}

export interface ErrorOptions {
  /** For the log only (never sent): what happened underneath, e.g. oidc-provider's own wording. */
  detail?: string;
  /** RFC 6749 §5.2, RFC 6750 §3: the challenge a 401 carries. */
  challenge?: Challenge;
  /** RFC 9110 §15.5.6: the methods a 405 names in Allow. */
  allow?: string;
  /** The refused scopes, for invalid_scope (oidc-provider's error responses carry them). */
  scope?: string;
  cause?: unknown;
}

export class PurserError extends errors.OIDCProviderError {
  readonly challenge?: Challenge;
  readonly allow?: string;
  readonly scope?: string;

  /** `description` is one of descriptions.ts, filled in with `describe`. */
  constructor(status: number, error: string, description: string, { detail, challenge, allow, scope, cause }: ErrorOptions = {}) {
    super(status, error, { detail, cause });
    this.error_description = description;
    this.challenge = challenge;
    this.allow = allow;
    this.scope = scope;
    // The description is written for the caller; only 5xx hide theirs.
    this.expose = status < 500;
  }
}

export class InvalidRequest extends PurserError {
  constructor(description: string, options?: ErrorOptions & { status?: number }) {
    super(options?.status ?? 400, INVALID_REQUEST, description, options);
  }
}

/** 401; with the Basic challenge when the client authenticated with the Authorization header (RFC 6749 §5.2). */
export class InvalidClient extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(401, INVALID_CLIENT, description, options);
  }
}

export class InvalidGrant extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(400, INVALID_GRANT, description, options);
  }
}

export class UnauthorizedClient extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(400, UNAUTHORIZED_CLIENT, description, options);
  }
}

export class InvalidScope extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(400, INVALID_SCOPE, description, options);
  }
}

export class InvalidTarget extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(400, INVALID_TARGET, description, options);
  }
}

/** 401 with a Bearer challenge (RFC 6750 §3). */
export class InvalidToken extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(401, INVALID_TOKEN, description, { challenge: { scheme: 'Bearer' }, ...options });
  }
}

/** A fault of ours: the caller learns nothing but that, the log gets the cause. */
export class ServerError extends PurserError {
  constructor(cause: unknown) {
    super(500, SERVER_ERROR, SERVER_FAULT, { cause });
  }
}

/** RFC 8628 §3.5: 400 slow_down, a device polling sooner than its interval. */
export class SlowDown extends PurserError {
  constructor(description: string, options?: ErrorOptions) {
    super(400, SLOW_DOWN, description, options);
  }
}
