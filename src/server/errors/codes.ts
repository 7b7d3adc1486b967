// The OAuth error codes Purser raises itself, each from the IANA "OAuth Extensions Error" registry (RFC 6749 §11.4)
// or the RFC that defines it. oidc-provider raises others (unsupported_grant_type, invalid_redirect_uri, ...) with
// its own descriptions; the README's "Errors" section lists both.

/** RFC 6749 §5.2: a parameter is missing, repeated or malformed, or the request is otherwise unreadable. */
export const INVALID_REQUEST = 'invalid_request';
/** RFC 6749 §5.2: client authentication failed (unknown client, none given, wrong secret). */
export const INVALID_CLIENT = 'invalid_client';
/** RFC 6749 §5.2: the code, refresh token or grant is invalid, expired, spent, or another client's. */
export const INVALID_GRANT = 'invalid_grant';
/** RFC 6749 §5.2: the client may not use this grant type. */
export const UNAUTHORIZED_CLIENT = 'unauthorized_client';
/** RFC 6749 §5.2: a requested scope is not allowed for the client, or cannot be carried by the grant. */
export const INVALID_SCOPE = 'invalid_scope';
/** RFC 8707 §2: the requested resource is not an audience of the client. */
export const INVALID_TARGET = 'invalid_target';
/** RFC 6750 §3.1: the access token presented to a protected resource is missing, invalid or expired. */
export const INVALID_TOKEN = 'invalid_token';
/** RFC 6749 §4.1.2.1: the person declined (aborted the sign-in or consent). */
export const ACCESS_DENIED = 'access_denied';
/** RFC 6749 §4.1.2.1: a fault of the server's; the description never says more. */
export const SERVER_ERROR = 'server_error';
/**
 * RFC 6749 §4.1.2.1: the store (Redis) is full, stalled or unreachable; also at /token with 503 (README "Errors").
 * Declared by the store, which raises it, and listed here so this module remains the one catalogue of codes.
 */
export { TEMPORARILY_UNAVAILABLE } from '../../store/unavailable.ts';
/** RFC 7009 §2.2.1: the revocation endpoint cannot revoke this kind of token (a JWT access token of Purser's). */
export const UNSUPPORTED_TOKEN_TYPE = 'unsupported_token_type';
/** OpenID Connect Core §3.1.2.6: prompt=none, but the person must sign in (again). */
export const LOGIN_REQUIRED = 'login_required';
/** RFC 8628 §3.5: a device polls the token endpoint sooner than its interval allows; it must add 5 seconds to it. */
export const SLOW_DOWN = 'slow_down';
