// Verifies a ServiceAccount token offline, presented as a client assertion (RFC 7523 §3) or as a token exchange's
// subject_token (RFC 8693 §2.1): the signature with the issuer's published key, iss, aud, exp and nbf (with
// LEEWAY_SECONDS), and, for a client assertion, that its sub is a ServiceAccount of the client's own namespace that the
// client lists. No jti is demanded: a projected token is presented many times in its life (README "Workload
// identity"). Each refusal has its own description (src/server/errors/descriptions.ts).
import { constants, verify as verifySignature, type KeyObject } from 'node:crypto';

import { serviceAccountOfSubject, serviceAccountSubject } from '../../api/types.ts';
import {
  describe,
  SA_BAD_SIGNATURE,
  SA_CLIENT_LISTS_NONE,
  SA_ISSUER_NOT_TRUSTED,
  SA_KEYS_NOT_PUBLISHED,
  SA_NOT_LISTED,
  SA_OTHER_NAMESPACE,
  SA_TOKEN_EXPIRED,
  SA_TOKEN_MALFORMED,
  SA_TOKEN_NOT_YET_VALID,
  SA_WRONG_AUDIENCE,
} from '../errors/descriptions.ts';
import type { IssuerKeyMap } from './issuer-keys.ts';

/** Clock skew tolerated on exp and nbf, in seconds. */
export const LEEWAY_SECONDS = 10;

/** Signature algorithms a cluster signs ServiceAccount tokens with: Node's digest and options for each. */
const ALGORITHMS: Record<string, { digest: string; options?: { padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' } }> = {
  RS256: { digest: 'sha256' },
  PS256: { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  ES256: { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  ES384: { digest: 'sha384', options: { dsaEncoding: 'ieee-p1363' } },
};

export interface ParsedToken {
  header: { alg?: unknown; kid?: unknown };
  claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown; nbf?: unknown };
  signed: Buffer;
  signature: Buffer;
}

/** The decoded parts of a compact JWS, or `undefined` when it is not one. */
export function parseToken(token: string): ParsedToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return undefined;
  try {
    const [header, claims] = [parts[0]!, parts[1]!].map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown);
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return undefined;
    return { header, claims, signed: Buffer.from(`${parts[0]}.${parts[1]}`), signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/** The parsed token when `token` is meant for this module: a JWT whose subject is a ServiceAccount (not verified). */
export function serviceAccountTokenOf(token: unknown): ParsedToken | undefined {
  if (typeof token !== 'string') return undefined;
  const parsed = parseToken(token);
  const sub = parsed?.claims.sub;
  return typeof sub === 'string' && sub.startsWith('system:serviceaccount:') ? parsed : undefined;
}

export const isServiceAccountToken = (token: unknown): token is string => serviceAccountTokenOf(token) !== undefined;

/** The client a ServiceAccount token should authenticate: its namespace and listed ServiceAccount names. */
export interface WorkloadClient {
  namespace: string;
  serviceAccounts: readonly string[];
}

/**
 * Tokens whose signature verified under one key set, with their parse. A Pod presents the same projected token for
 * every request until the kubelet renews it, so the RSA or ECDSA check (and the decoding) is paid once per token, not
 * per request; the claims are still checked every time. A new key set (a rotation, a key withdrawn) starts it empty.
 * Holds at most `limit` tokens (only ones that verified), dropping the oldest.
 */
export class SignatureCache {
  readonly #limit: number;
  #keys: IssuerKeyMap | undefined;
  readonly #tokens = new Map<string, ParsedToken>();

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  has(keys: IssuerKeyMap, token: string): boolean {
    if (keys !== this.#keys) {
      this.#keys = keys;
      this.#tokens.clear();
    }
    return this.#tokens.has(token);
  }

  /** The parse of `token` if it verified (under the keys last asked about), without decoding it again. */
  parsed(token: string): ParsedToken | undefined {
    return this.#tokens.get(token);
  }

  add(token: string, parsed: ParsedToken): void {
    if (this.#tokens.size >= this.#limit) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#tokens.set(token, parsed);
  }
}

export interface VerifyOptions {
  /** What `aud` must contain: Purser's issuer, or PURSER_WORKLOAD_AUDIENCE. */
  audience: string;
  /** Epoch seconds. */
  now: number;
  /** Signatures already verified under the current keys; without one, every call verifies. */
  signatures?: SignatureCache;
}

/** Who the token proves the caller is. */
export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  /** `system:serviceaccount:<namespace>:<name>` */
  subject: string;
  issuer: string;
}

export type Verification = { identity: ServiceAccountIdentity } | { refused: string };

const signatureVerifies = (token: ParsedToken, alg: string, key: KeyObject): boolean => {
  const { digest, options } = ALGORITHMS[alg]!;
  try {
    return verifySignature(digest, token.signed, { key, ...options }, token.signature);
  } catch {
    return false;
  }
};

const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Whether the parsed token has what every check reads: a known alg, iss, sub and exp. */
const readable = (parsed: ParsedToken | undefined): parsed is ParsedToken => {
  const { alg } = parsed?.header ?? {};
  const { iss, sub, exp } = parsed?.claims ?? {};
  return typeof alg === 'string' && alg in ALGORITHMS && typeof iss === 'string' && typeof sub === 'string' && typeof exp === 'number';
};

/**
 * The checks of the token itself, whoever presents it (a client assertion, or a token exchange's subject_token): the
 * issuer is trusted, the signature verifies with one of its published keys, exp and nbf hold (LEEWAY_SECONDS), `aud`
 * contains `audience`, and `sub` names a ServiceAccount. The first that fails names the refusal.
 */
export function verifyIssuedToken(token: string, keys: IssuerKeyMap | undefined, { audience, now, signatures }: VerifyOptions, parsed = parseToken(token)): Verification {
  if (!readable(parsed)) return { refused: SA_TOKEN_MALFORMED };
  const alg = parsed.header.alg as string;
  const { iss, sub, aud, exp, nbf } = parsed.claims as { iss: string; sub: string; aud?: unknown; exp: number; nbf?: unknown };
  if (!keys) return { refused: SA_KEYS_NOT_PUBLISHED };
  const issuerKeys = keys.get(iss);
  if (!issuerKeys) return { refused: describe(SA_ISSUER_NOT_TRUSTED, iss) };
  if (!signatures?.has(keys, token)) {
    const kid = parsed.header.kid;
    const candidates = typeof kid === 'string' ? issuerKeys.filter((key) => key.kid === undefined || key.kid === kid) : issuerKeys;
    if (!candidates.some(({ key }) => signatureVerifies(parsed, alg, key))) return { refused: describe(SA_BAD_SIGNATURE, iss) };
    signatures?.add(token, parsed);
  }
  if (exp + LEEWAY_SECONDS < now) return { refused: describe(SA_TOKEN_EXPIRED, isoTime(exp)) };
  if (typeof nbf === 'number' && nbf - LEEWAY_SECONDS > now) return { refused: describe(SA_TOKEN_NOT_YET_VALID, isoTime(nbf)) };
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
  if (!audiences.includes(audience)) return { refused: describe(SA_WRONG_AUDIENCE, audiences.join(', ') || 'none', audience) };
  const account = serviceAccountOfSubject(sub);
  if (!account) return { refused: SA_TOKEN_MALFORMED };
  const { namespace, name } = account;
  return { identity: { namespace, name, subject: serviceAccountSubject(namespace, name), issuer: iss } };
}

/** As a client assertion: verifyIssuedToken, then the ServiceAccount must be one `client` lists, of its namespace. */
export function verifyServiceAccountToken(token: string, keys: IssuerKeyMap | undefined, client: WorkloadClient, options: VerifyOptions, parsed = parseToken(token)): Verification {
  if (!readable(parsed)) return { refused: SA_TOKEN_MALFORMED };
  if (!client.serviceAccounts.length) return { refused: SA_CLIENT_LISTS_NONE };
  const result = verifyIssuedToken(token, keys, options, parsed);
  if ('refused' in result) return result;
  const { namespace, name } = result.identity;
  if (namespace !== client.namespace) return { refused: describe(SA_OTHER_NAMESPACE, namespace, client.namespace) };
  if (!client.serviceAccounts.includes(name)) return { refused: describe(SA_NOT_LISTED, name, client.serviceAccounts.join(', ')) };
  return result;
}
