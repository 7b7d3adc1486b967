// oidc-provider's own errors, said the way Purser says them. oidc-provider raises these deep inside its grant and
// client-authentication code, where Purser cannot set a description; each is recognised by the words oidc-provider
// raises it with, which LIBRARY_WORDING lists with the file they are in (test/unit/patches.test.ts checks that the
// installed oidc-provider still says them, so an upgrade that rewords one fails loudly).
import type { Context } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import { DEVICE_CODE_GRANT } from '../../api/types.ts';
import * as said from './descriptions.ts';
import { describe } from './descriptions.ts';
import { InvalidClient, InvalidGrant, InvalidRequest, InvalidToken, PurserError, ServerError, UnauthorizedClient } from './purser-error.ts';
import { refreshTokenHint } from './refresh-token-hint.ts';
import { malformedServiceAccountToken, UNREADABLE_ASSERTION } from '../workload/malformed-assertion.ts';

/** oidc-provider's own limit on form bodies (lib/shared/selective_body.js). */
export const FORM_BODY_LIMIT = 56 * 1024;

interface Wording {
  /** What oidc-provider says (`error_detail` of InvalidGrant, `error_description` of InvalidRequest). */
  words: string;
  /** Where it says it, under node_modules/oidc-provider, and the source text that says it. */
  file: string;
  source?: string;
}

/** InvalidGrant details and the description each becomes. */
const GRANT_WORDING: ReadonlyArray<Wording & { description: string }> = [
  { words: 'refresh token not found', file: 'lib/actions/grants/refresh_token.js', description: said.REFRESH_TOKEN_NOT_RECOGNISED },
  { words: 'refresh token is expired', file: 'lib/actions/grants/refresh_token.js', description: said.REFRESH_TOKEN_EXPIRED },
  { words: 'refresh token already used', file: 'lib/actions/grants/refresh_token.js', description: said.REFRESH_TOKEN_ALREADY_USED },
  { words: 'authorization code not found', file: 'lib/helpers/grant_source.js', source: '`${label} not found`', description: said.AUTHORIZATION_CODE_NOT_RECOGNISED },
  { words: 'authorization code is expired', file: 'lib/actions/grants/authorization_code.js', description: said.AUTHORIZATION_CODE_EXPIRED },
  { words: 'authorization code already consumed', file: 'lib/helpers/grant_source.js', source: '`${label} already consumed`', description: said.AUTHORIZATION_CODE_ALREADY_USED },
  { words: 'authorization code redirect_uri mismatch', file: 'lib/actions/grants/authorization_code.js', description: said.REDIRECT_URI_MISMATCH },
  { words: 'client mismatch', file: 'lib/helpers/grant_source.js', description: said.GRANT_OF_ANOTHER_CLIENT },
  { words: 'grant not found', file: 'lib/helpers/grant_source.js', description: said.GRANT_NOT_FOUND },
  { words: 'grant is expired', file: 'lib/helpers/grant_source.js', description: said.GRANT_EXPIRED },
  { words: 'device code not found', file: 'lib/helpers/grant_source.js', source: '`${label} not found`', description: said.DEVICE_CODE_NOT_RECOGNISED },
  { words: 'device code already consumed', file: 'lib/helpers/grant_source.js', source: '`${label} already consumed`', description: said.DEVICE_CODE_ALREADY_USED },
  // findAccount found no user for the code's or token's accountId (lib/helpers/grant_common.js, validateAccount).
  ...['authorization code', 'refresh token', 'device code'].map((label) => ({ words: `${label} invalid (referenced account not found)`, file: 'lib/helpers/grant_common.js', source: '`${entityLabel} invalid (referenced account not found)`', description: said.GRANT_USER_GONE })),
];

const NO_CLIENT_AUTHENTICATION: Wording = { words: 'no client authentication mechanism provided', file: 'lib/shared/client_auth.js' };
const GRANT_TYPE_NOT_ALLOWED: Wording = { words: 'requested grant type is not allowed for this client', file: 'lib/actions/token.js' };
/** RFC 8628 §3.2 refers to RFC 6749 §5.2, where a grant the client may not use is unauthorized_client. */
const DEVICE_GRANT_NOT_ALLOWED: Wording = { words: 'urn:ietf:params:oauth:grant-type:device_code is not allowed for this client', file: 'lib/actions/authorization/client.js', source: '`${grantType} is not allowed for this client`' };
const UNPARSABLE_BODY: Wording = { words: 'failed to parse the request body', file: 'lib/shared/selective_body.js' };
const NOT_BEARER: Wording = { words: 'authorization header scheme must be `Bearer`', file: 'lib/helpers/oidc_context.js' };
const TOKEN_FOR_AN_API: Wording = { words: 'token audience prevents accessing the userinfo endpoint', file: 'lib/actions/userinfo.js' };
const ACCESS_TOKEN_NOT_FOUND: Wording = { words: 'access token not found', file: 'lib/shared/access_token.js' };
const ACCOUNT_NOT_FOUND: Wording = { words: 'associated account not found', file: 'lib/shared/access_token.js' };
const ASSERTION_WORDING: readonly Wording[] = UNREADABLE_ASSERTION.map((words) => ({ words, file: 'lib/shared/client_auth.js' }));
const OTHER_AUTH_METHOD: Wording = { words: 'the provided authentication mechanism does not match the registered client authentication method', file: 'lib/shared/client_auth.js' };

/** Everything this file recognises oidc-provider's errors by. */
export const LIBRARY_WORDING: readonly Wording[] = [...GRANT_WORDING, NO_CLIENT_AUTHENTICATION, GRANT_TYPE_NOT_ALLOWED, DEVICE_GRANT_NOT_ALLOWED, UNPARSABLE_BODY, NOT_BEARER, OTHER_AUTH_METHOD, TOKEN_FOR_AN_API, ACCESS_TOKEN_NOT_FOUND, ACCOUNT_NOT_FOUND, ...ASSERTION_WORDING];

type LibraryError = InstanceType<typeof errors.OIDCProviderError>;

const usedBasic = (ctx: Context) => /^basic\b/i.test(ctx.get('authorization'));

async function grantError(ctx: KoaContextWithOIDC, error: LibraryError): Promise<PurserError | undefined> {
  const detail = error.error_detail ?? '';
  const wording = GRANT_WORDING.find(({ words }) => words === detail);
  // Other details are specific enough as oidc-provider words them ("code_verifier does not match code_challenge")
  // and say more than its generic "grant request is invalid".
  if (!wording) return detail ? new InvalidGrant(detail, { detail, cause: error }) : undefined;
  const hint = detail === 'refresh token not found' ? await refreshTokenHint(ctx) : undefined;
  return new InvalidGrant(hint ?? wording.description, { detail, cause: error });
}

function requestError(ctx: KoaContextWithOIDC, error: LibraryError): PurserError | undefined {
  const detail = error.error_description;
  switch (detail) {
    case NO_CLIENT_AUTHENTICATION.words:
      // The client did send Basic credentials, only with an empty client_id: a malformed request (RFC 6749 §5.2).
      if (usedBasic(ctx)) return new InvalidRequest(said.BASIC_CLIENT_ID_EMPTY, { detail });
      return new InvalidClient(said.CLIENT_AUTHENTICATION_REQUIRED, { detail, challenge: { scheme: 'Basic' } });
    case GRANT_TYPE_NOT_ALLOWED.words:
      return new UnauthorizedClient(describe(said.GRANT_TYPE_NOT_ALLOWED, String(ctx.oidc?.params?.grant_type)), { detail });
    case DEVICE_GRANT_NOT_ALLOWED.words:
      return new UnauthorizedClient(describe(said.GRANT_TYPE_NOT_ALLOWED, DEVICE_CODE_GRANT), { detail });
    case UNPARSABLE_BODY.words:
      // A body over the limit is "too large", not a syntax error.
      if ((ctx.request.length ?? 0) <= FORM_BODY_LIMIT) return undefined;
      return new InvalidRequest(describe(said.BODY_TOO_LARGE, FORM_BODY_LIMIT / 1024), { status: 413, detail });
    case NOT_BEARER.words:
      // RFC 6750 §3.1: another authentication scheme gets the bare challenge, with no error code in it.
      if (ctx.oidc?.route !== 'userinfo') return undefined;
      return new InvalidToken(said.USERINFO_NEEDS_BEARER, { detail, challenge: { scheme: 'Bearer', bare: true } });
    default:
      return undefined;
  }
}

/** The access token a userinfo request presented (header or form body, RFC 6750 §2.1, §2.2). */
const presentedToken = (ctx: KoaContextWithOIDC): string | undefined =>
  /^bearer\s+(\S+)/i.exec(ctx.get('authorization'))?.[1] ?? (ctx.oidc?.params?.access_token as string | undefined);

/**
 * RFC 6750 §3.1 at userinfo: an access token for an API is refused saying so. Purser's userinfo tokens are opaque and
 * its JWT access tokens are always for an API audience, so a JWT that is "not found" is one of those. A token of a user
 * no longer in the users file says that.
 */
function tokenError(ctx: KoaContextWithOIDC, error: LibraryError): PurserError | undefined {
  const detail = error.error_detail;
  if (detail === ACCOUNT_NOT_FOUND.words) return new InvalidToken(said.ACCESS_TOKEN_USER_GONE, { detail, cause: error });
  const forAnApi = detail === TOKEN_FOR_AN_API.words || (detail === ACCESS_TOKEN_NOT_FOUND.words && presentedToken(ctx)?.split('.').length === 3);
  if (ctx.oidc?.route !== 'userinfo' || !forAnApi) return undefined;
  return new InvalidToken(said.USERINFO_TOKEN_FOR_AN_API, { detail, cause: error });
}

/** The method a request authenticated its client with, in the order oidc-provider looks (lib/shared/client_auth.js). */
export function methodUsed(ctx: KoaContextWithOIDC): string {
  const params = ctx.oidc?.params ?? {};
  if (params.client_assertion) return 'a client_assertion';
  if (params.client_secret) return 'client_secret_post';
  return ctx.get('authorization') ? 'client_secret_basic' : 'none';
}

/**
 * OpenID Connect Core §9: a client using another method than its registered one (a public client sending a secret, a
 * confidential one sending none) is told which one it is registered with.
 */
function clientError(ctx: KoaContextWithOIDC, error: LibraryError): PurserError | undefined {
  const registered = ctx.oidc?.client?.clientAuthMethod;
  if (error.error_detail !== OTHER_AUTH_METHOD.words || !registered) return undefined;
  return new InvalidClient(describe(said.AUTH_METHOD_NOT_REGISTERED, registered, methodUsed(ctx)), { detail: error.error_detail, challenge: { scheme: 'Basic' } });
}

/**
 * The Purser error for what oidc-provider raised: reworded when it is one of LIBRARY_WORDING, else oidc-provider's
 * own; anything not exposed (a fault, not the caller's mistake) is a 500 that says nothing more.
 */
export async function fromLibrary(ctx: KoaContextWithOIDC, error: unknown): Promise<PurserError | LibraryError> {
  if (error instanceof PurserError) return error;
  if (!(error instanceof errors.OIDCProviderError) || !error.expose) return new ServerError(error);
  if (error instanceof errors.InvalidGrant) return (await grantError(ctx, error)) ?? error;
  if (error instanceof errors.InvalidRequest) return requestError(ctx, error) ?? (await malformedServiceAccountToken(ctx, error.error_description)) ?? error;
  if (error instanceof errors.InvalidClientAuth) return clientError(ctx, error) ?? error;
  if (error instanceof errors.InvalidToken) return tokenError(ctx, error) ?? error;
  return error;
}
