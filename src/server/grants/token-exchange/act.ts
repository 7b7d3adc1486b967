// RFC 8693 §4.1: the `act` claim of an exchanged token names the party acting for the subject (the client that asked
// for the exchange) and keeps, nested inside, the actor chain the subject token already carried: the current actor
// outermost, prior ones within. Only identity claims go in it (§4.1: exp, nbf, aud are not meaningful there).
// oidc-provider asks for a token's extra claims when it saves it (extraTokenClaims); this module answers for the
// tokens an exchange issues, and for no other.

/** An actor: its `sub` (a client_id) and the actors before it. */
export interface ActClaim {
  sub: string;
  act?: Record<string, unknown>;
}

/** The `act` claim for a token `clientId` obtains by exchanging a token that carried `prior` (its own `act`, if any). */
export function actClaim(clientId: string, prior?: Record<string, unknown>): ActClaim {
  return prior ? { sub: clientId, act: prior } : { sub: clientId };
}

const extraClaims = new WeakMap<object, Record<string, unknown>>();

/** Marks `token` (an oidc-provider AccessToken not yet saved) to carry `claims` besides its own. */
export function addTokenClaims(token: object, claims: Record<string, unknown>): void {
  extraClaims.set(token, claims);
}

/** oidc-provider's `extraTokenClaims`: the claims addTokenClaims set for this token, `undefined` for every other. */
export const extraTokenClaims = async (_ctx: unknown, token: object): Promise<Record<string, unknown> | undefined> => extraClaims.get(token);
