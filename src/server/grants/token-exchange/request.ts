// Reads a token exchange request (RFC 8693 §2.1) and refuses one that is incomplete or asks for what Purser does not
// issue, with invalid_request (§2.2.2): a subject token that is neither an access token nor a JWT (a ServiceAccount
// token), an actor token that is not an access token, an actor_token_type
// without an actor_token, a requested_token_type other than an access token. Pure: parameters in, request out.
import { describe, EXCHANGE_ACTOR_TOKEN_TYPE, EXCHANGE_ACTOR_TOKEN_TYPE_ALONE, EXCHANGE_ONE_TARGET, EXCHANGE_PARAMETER_MISSING, EXCHANGE_REQUESTED_TOKEN_TYPE, EXCHANGE_SUBJECT_TOKEN_TYPE, EXCHANGE_TARGET_MISSING } from '../../errors/descriptions.ts';
import { InvalidRequest, InvalidTarget } from '../../errors/purser-error.ts';

/** RFC 8693 §3: the token type identifier of an OAuth 2.0 access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/**
 * RFC 8693 §3: the token type identifier of a JWT (RFC 7519), which a Kubernetes ServiceAccount token is. Not the
 * access_token type: Purser did not issue it, and it grants nothing by itself (it proves who the workload is). Not the
 * id_token type: no OpenID Provider issued it to a client for an end user.
 */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** The parameters this grant reads (RFC 8693 §2.1); resource and audience may be repeated, and are then refused here. */
export const EXCHANGE_PARAMETERS = ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'resource', 'audience', 'scope'] as const;

export interface ExchangeRequest {
  subjectToken: string;
  /** ACCESS_TOKEN_TYPE (an access token of this server) or JWT_TOKEN_TYPE (a ServiceAccount token). */
  subjectTokenType: typeof ACCESS_TOKEN_TYPE | typeof JWT_TOKEN_TYPE;
  actorToken?: string;
  /** The one API the new token is for: the resource and/or audience parameter. */
  target: string;
  /** The scopes asked for; `undefined` when the request names none. */
  scopes?: string[];
}

type Params = Record<string, unknown>;

const listOf = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string' && item !== '');

function required(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || !value) throw new InvalidRequest(describe(EXCHANGE_PARAMETER_MISSING, name));
  return value;
}

/** §2.1: actor_token_type is REQUIRED with an actor_token and MUST NOT be sent without one. */
function actorTokenOf(params: Params): string | undefined {
  if (params.actor_token === undefined) {
    if (params.actor_token_type !== undefined) throw new InvalidRequest(EXCHANGE_ACTOR_TOKEN_TYPE_ALONE);
    return undefined;
  }
  const type = required(params, 'actor_token_type');
  if (type !== ACCESS_TOKEN_TYPE) throw new InvalidRequest(describe(EXCHANGE_ACTOR_TOKEN_TYPE, type));
  return required(params, 'actor_token');
}

/**
 * The request, or throws invalid_request (§2.2.2) for a missing or unsupported parameter, and invalid_target for
 * more than one API (§2.1.1 lets a server refuse several targets; Purser issues one token for one audience).
 */
export function readExchangeRequest(params: Params): ExchangeRequest {
  const subjectToken = required(params, 'subject_token');
  const subjectType = required(params, 'subject_token_type');
  if (subjectType !== ACCESS_TOKEN_TYPE && subjectType !== JWT_TOKEN_TYPE) throw new InvalidRequest(describe(EXCHANGE_SUBJECT_TOKEN_TYPE, subjectType));
  const actorToken = actorTokenOf(params);
  const requested = params.requested_token_type;
  if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE) throw new InvalidRequest(describe(EXCHANGE_REQUESTED_TOKEN_TYPE, String(requested)));
  const targets = [...new Set([...listOf(params.resource), ...listOf(params.audience)])];
  if (!targets.length) throw new InvalidRequest(EXCHANGE_TARGET_MISSING);
  if (targets.length > 1) throw new InvalidTarget(EXCHANGE_ONE_TARGET);
  const scopes = typeof params.scope === 'string' && params.scope ? params.scope.split(' ').filter(Boolean) : undefined;
  return { subjectToken, subjectTokenType: subjectType, ...(actorToken ? { actorToken } : {}), target: targets[0]!, ...(scopes ? { scopes } : {}) };
}
