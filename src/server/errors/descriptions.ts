// Every error_description Purser writes, one constant each; `%s` marks a value filled in where the error is raised
// (see `describe`). The README's "Errors" section documents each, word for word (test/unit/errors-documented.test.ts).

import { STORE_FAULT_DESCRIPTIONS } from '../../store/unavailable.ts';

// -- invalid_grant: codes and refresh tokens (RFC 6749 §5.2)
export const REFRESH_TOKEN_NOT_RECOGNISED = 'refresh token not recognised: it was not issued by this server, or it no longer exists because it was revoked (by a logout, at the revocation endpoint, or with its whole grant when a code, refresh token or device code of that grant was reused) or expired more than a day ago; start a new authorization';
export const REFRESH_TOKEN_EXPIRED = 'refresh token has expired: start a new authorization';
export const REFRESH_TOKEN_ALREADY_USED = 'refresh token was already used: refresh tokens rotate on every use, so send the one returned by your last refresh; reusing an old one revokes the grant, which has now happened';
export const REFRESH_TOKEN_HAS_WHITESPACE = 'the refresh_token value has leading or trailing whitespace (a pasted newline?); send it without';
export const REFRESH_TOKEN_IS_JWT = 'this is a JWT (an access token or id_token), not a refresh token: send the refresh_token from the token response';
export const REFRESH_TOKEN_IS_ACCESS_TOKEN = 'this is an access token, not a refresh token: send the refresh_token from the token response';
export const REFRESH_TOKEN_IS_CODE = 'this is an authorization code, not a refresh token: use grant_type=authorization_code';
export const AUTHORIZATION_CODE_NOT_RECOGNISED = 'authorization code not recognised: it was not issued by this server or has expired';
export const AUTHORIZATION_CODE_EXPIRED = 'authorization code has expired: codes are valid for a short time, start the authorization again';
export const AUTHORIZATION_CODE_ALREADY_USED = 'authorization code was already used: a code can be redeemed once; the grant it started has been revoked (JWT access tokens already issued expire on their own)';
export const REDIRECT_URI_MISMATCH = 'redirect_uri does not match the one used in the authorization request';
export const GRANT_OF_ANOTHER_CLIENT = 'this grant was issued to a different client';
export const GRANT_NOT_FOUND = 'the grant behind this token has been revoked or has expired: start a new authorization';
export const GRANT_EXPIRED = 'the grant behind this token has expired: start a new authorization';
export const GRANT_SOURCE_GONE = 'the code or token was revoked or expired while this request was processed';
/** RFC 7009 §2.1: "the request is refused and the client is informed of the error". */
export const REVOKING_ANOTHER_CLIENTS_TOKEN = 'this token was issued to another client; a client may revoke only its own tokens';

// -- unauthorized_client, invalid_scope, invalid_target: the client's allow-lists
export const GRANT_TYPE_NOT_ALLOWED = "this client may not use grant_type %s; add it to the OAuthClient's grantTypes";
export const SCOPE_NOT_ALLOWED = 'requested scope is not allowed for this client: %s (allowed: %s)';
export const SCOPE_NEEDS_A_USER = 'client_credentials tokens act for the client itself, so they cannot carry OpenID Connect scopes: %s (ask for them in a sign-in with authorization_code)';
export const SCOPE_CARRIES_NOTHING = 'a refresh asking only for %s would get an access token with no scope: ask for openid with them (a token for userinfo), or for an API scope';
export const RESOURCE_NOT_AN_AUDIENCE = "resource '%s' is not an audience of this client (allowed: %s)";

// -- invalid_client: client authentication (RFC 6749 §5.2, RFC 7662 §2.1)
export const CLIENT_AUTHENTICATION_REQUIRED = 'client authentication is required: send client_id and client_secret with HTTP Basic (or client_id alone for a public client)';
export const AUTH_METHOD_NOT_REGISTERED = "this client is registered to authenticate with %s (its OAuthClient's tokenEndpointAuthMethod), not %s (client_secret_basic: client_id and client_secret with HTTP Basic; client_secret_post: both in the form body; none: client_id alone, for public clients)";
/** 429 with Retry-After: wrong secrets for one client_id from one address (src/server/provider/client-secret.ts). */
export const CLIENT_AUTH_THROTTLED = 'too many failed client authentications for this client_id from this address: retry in 15 minutes';
export const INTROSPECTION_NEEDS_AUTHENTICATION = 'introspection needs client authentication; a public client cannot introspect tokens';
/** Workload identity: a ServiceAccount token sent as the client assertion (src/server/workload/), each refusal its own. */
export const SA_TOKEN_MALFORMED = 'the ServiceAccount token is not a signed JWT Purser can read (header, payload and signature, base64url; alg RS256, PS256, ES256 or ES384)';
export const SA_KEYS_NOT_PUBLISHED = 'no ServiceAccount issuer keys are published yet (the controller reads them from the API server): retry in a moment';
export const SA_ISSUER_NOT_TRUSTED = "the ServiceAccount token's issuer '%s' is not trusted: it is neither this cluster's service-account issuer nor one of the trusted issuers (PURSER_TRUSTED_ISSUERS_FILE)";
export const SA_BAD_SIGNATURE = "the ServiceAccount token's signature does not verify with any published key of its issuer '%s' (signed by another key, or the key is not published yet)";
export const SA_TOKEN_EXPIRED = 'the ServiceAccount token expired at %s: read the projected token file again for each request (the kubelet renews it)';
export const SA_TOKEN_NOT_YET_VALID = 'the ServiceAccount token is not valid before %s (check the clocks)';
export const SA_WRONG_AUDIENCE = "the ServiceAccount token's audiences (%s) do not include '%s': project the token with that audience (serviceAccountToken.audience)";
export const SA_OTHER_NAMESPACE = "the ServiceAccount token is for namespace '%s', but this client's OAuthClient is in '%s': only ServiceAccounts of its own namespace can act as a client";
export const SA_NOT_LISTED = "ServiceAccount '%s' is not in this client's serviceAccounts (%s)";
export const SA_CLIENT_LISTS_NONE = 'this client lists no serviceAccounts, so a ServiceAccount token cannot authenticate it';
export const SA_NEEDS_CLIENT_ID = 'a ServiceAccount token does not name the client: send client_id too';

// -- invalid_request: requests Purser cannot read
export const BASIC_CLIENT_ID_EMPTY = 'the client_id in the Basic credentials is empty';
export const BODY_TOO_LARGE = 'request body too large: the limit is %s KiB';
/** RFC 9110 §15.5.16: every endpoint refuses a content-coded body with 415 and Accept-Encoding: identity. */
export const CONTENT_ENCODING_NOT_ACCEPTED = 'request bodies must not be content-encoded: send the form without Content-Encoding (Accept-Encoding: identity)';
/** OIDC Core §3.1.2.1, RP-Initiated Logout §2: a POST to /auth or /session/end (answered with 303 to the GET). */
export const FORM_POST_MEDIA_TYPE = 'a POST to this endpoint must have an application/x-www-form-urlencoded body (OIDC Core section 3.1.2.1)';
export const FORM_POST_TOO_LARGE = 'the parameters of a POST to this endpoint must fit in %s bytes, form-encoded; push a larger authorization request to /request first (RFC 9126)';
export const METHOD_NOT_ALLOWED = '%s accepts %s, not %s';
export const NO_SUCH_ENDPOINT = 'there is no endpoint at %s: see /.well-known/openid-configuration for the ones there are';

// -- invalid_token: protected resources (RFC 6750 §3.1)
export const USERINFO_NEEDS_BEARER = 'userinfo takes a Bearer access token, not other credentials';
/** A sign-in that asked for an API scope gets an access token for that API's audience, which userinfo refuses. */
export const USERINFO_TOKEN_FOR_AN_API = "this access token is for an API (its audience), not for userinfo: use a token from a sign-in or refresh that asked for OpenID Connect scopes only (e.g. scope=openid profile email)";

// -- access_denied, server_error
export const SIGN_IN_ABORTED = 'End-User aborted interaction';
export const SERVER_FAULT = 'Purser could not complete this request; try again in a moment';

// -- token exchange (RFC 8693 §2.2.2): invalid_request for a bad request or an unacceptable subject/actor token,
// invalid_target for an API that will not take the token, invalid_scope for scopes beyond what may be delegated
export const EXCHANGE_PARAMETER_MISSING = 'token exchange needs the %s parameter (RFC 8693 section 2.1)';
export const EXCHANGE_SUBJECT_TOKEN_TYPE = 'subject_token_type %s is not supported: send an access token of this server with subject_token_type urn:ietf:params:oauth:token-type:access_token, or a Kubernetes ServiceAccount token with urn:ietf:params:oauth:token-type:jwt';
export const EXCHANGE_ACTOR_TOKEN_TYPE = 'actor_token_type %s is not supported: send this client\'s own access token (client_credentials) with actor_token_type urn:ietf:params:oauth:token-type:access_token';
export const EXCHANGE_ACTOR_TOKEN_TYPE_ALONE = 'actor_token_type must not be sent without actor_token (RFC 8693 section 2.1)';
export const EXCHANGE_REQUESTED_TOKEN_TYPE = 'requested_token_type %s is not supported: token exchange issues access tokens only (urn:ietf:params:oauth:token-type:access_token)';
export const EXCHANGE_SUBJECT_TOKEN_INVALID = 'subject_token is not an active access token of this server: it is unknown, expired or revoked, or was not signed by this server';
export const EXCHANGE_SUBJECT_CLIENT_GONE = 'the client the subject_token was issued to no longer exists, so its tokens are no longer exchanged';
export const EXCHANGE_SUBJECT_WITHOUT_USER = 'subject_token acts for a client, not for a user (a client_credentials token): exchange a token a user signed in for';
export const EXCHANGE_SUBJECT_USER_GONE = 'the user the subject_token was issued for no longer exists';
export const EXCHANGE_SUBJECT_NOT_FOR_CALLER = "subject_token is neither this client's own nor for an audience whose OAuthAPI names this client in resourceServers: a client exchanges only the tokens it receives";
export const EXCHANGE_ACTOR_TOKEN_INVALID = "actor_token is not an active access token of this server issued to this client by client_credentials: send this client's own token, or no actor_token";
export const EXCHANGE_TARGET_MISSING = 'name the API the new token is for with resource or audience (the audience URI of its OAuthAPI)';
export const EXCHANGE_ONE_TARGET = 'token exchange issues a token for one API: send one resource or audience (both, if sent, must name the same API)';
export const EXCHANGE_NOT_DELEGATED = "OAuthAPI %s does not let client '%s' exchange tokens for its audience '%s'; ask its owners to add the client to spec.delegation";
export const EXCHANGE_OIDC_SCOPES = 'a token from a token exchange is for an API, so it cannot carry OpenID Connect scopes: %s';
export const EXCHANGE_SCOPE_NOT_DELEGATED = "OAuthAPI %s delegates to client '%s' only %s for its audience '%s'; refused: %s (ask its owners to extend spec.delegation)";
export const EXCHANGE_SCOPE_NOT_IN_SUBJECT = 'the subject_token does not carry %s (it carries: %s): an exchanged token never carries more than the token it replaces';
export const EXCHANGE_NOTHING_TO_DELEGATE = "the subject_token carries none of the scopes client '%s' may obtain by exchange for the audience '%s' (%s)";
export const EXCHANGE_SUBJECT_NOT_SERVICE_ACCOUNT = "subject_token_type urn:ietf:params:oauth:token-type:jwt takes a Kubernetes ServiceAccount token (sub system:serviceaccount:<namespace>:<name>); send an access token of this server as urn:ietf:params:oauth:token-type:access_token";
export const EXCHANGE_SUBJECT_SA_REFUSED = 'subject_token is refused as a ServiceAccount token (checked as a ServiceAccount client assertion is): %s';
export const EXCHANGE_SA_NOT_DELEGATED = "OAuthAPI %s does not let client '%s' exchange the tokens of ServiceAccount '%s' for its audience '%s'; ask its owners to list the ServiceAccount in subjectServiceAccounts of a spec.delegation entry that selects the client";
// -- the device authorization grant (RFC 8628 §3.5)
export const DEVICE_CODE_NOT_RECOGNISED = 'device code not recognised: it was not issued by this server to this client, or its device authorization ended long ago; start a new one';
export const DEVICE_CODE_ALREADY_USED = 'device code was already used: it buys tokens once (presented again after that, it revokes them); start a new device authorization';
export const DEVICE_POLL_TOO_FAST = 'polling too fast: wait %s seconds between polls from now on (RFC 8628 section 3.5: every slow_down adds 5 seconds to the interval)';

// -- a user who is no longer in the users file (removed while signed in, or a replica whose users file is older)
/** login_required (OIDC Core §3.1.2.6) for prompt=none; without it, the login page is shown. */
export const SESSION_ACCOUNT_UNKNOWN = 'the signed-in user is no longer a user of this server (removed from its users file): sign in again';
/** invalid_grant at /token: an authorization code, refresh token or device code of that user. */
export const GRANT_USER_GONE = 'the user this code or token was issued for is no longer a user of this server (removed from its users file): start a new authorization';
/** invalid_token at userinfo (RFC 6750 §3.1). */
export const ACCESS_TOKEN_USER_GONE = 'the user this access token was issued for is no longer a user of this server (removed from its users file): sign in again';

// -- unsupported_token_type at revocation (RFC 7009 §2.2.1)
export const JWT_ACCESS_TOKEN_NOT_REVOCABLE = 'a JWT access token cannot be revoked on its own: an API that verifies it offline would accept it until it expires anyway. To end it, revoke its grant (revoke its refresh token, log the user out, or delete the client), which makes introspection answer active false; where that must bite at once, use short-lived or opaque access tokens';

/** RFC 6749 §5.2, §4.1.2.1: an error_description MUST NOT include characters outside %x20-21 / %x23-5B / %x5D-7E. */
export const DESCRIPTION_CHARACTERS = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
const OUTSIDE_DESCRIPTION_CHARACTERS = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/g;

/**
 * `template` with each `%s` replaced by the next value, in order. Values may be the caller's input (a resource, a
 * scope): each character an error_description may not hold (RFC 6749 §5.2) becomes `?`.
 */
export function describe(template: string, ...values: Array<string | number>): string {
  let next = 0;
  return template.replace(/%s/g, () => String(values[next++]).replace(OUTSIDE_DESCRIPTION_CHARACTERS, '?'));
}

// -- temporarily_unavailable: the store cannot serve the request now (declared by the store, which raises them)

export const STORE_FULL = STORE_FAULT_DESCRIPTIONS.full;
export const STORE_TIMEOUT = STORE_FAULT_DESCRIPTIONS.timeout;
export const STORE_UNREACHABLE = STORE_FAULT_DESCRIPTIONS.unreachable;
