// The platform team's cluster-wide policy that keeps a namespace to itself (DESIGN.md, "Who may get which token"):
// which client_ids a namespace may use beyond its own, and whose clients may skip the consent page. Pure functions:
// the controller applies them to every OAuthClient, unit tests table them.
import type { Problem } from './reasons.ts';
import { ClientIdNotAllowed, FirstParty, SkipConsentNotAllowed } from './reasons.ts';
import { clientIdOf, type OAuthClient } from './types.ts';

export interface TenancyPolicy {
  /**
   * `namespace=pattern` entries (PURSER_CLIENT_ID_PATTERNS): OAuthClients in `namespace` may also use a client_id
   * matching `pattern`. Either side may hold `*`, any run of characters (but a dot in a pattern); `*=*` is the old,
   * open behaviour.
   */
  clientIdPatterns: readonly string[];
  /** Namespaces whose OAuthClients are first-party (PURSER_FIRST_PARTY_NAMESPACES); `*` is every namespace. */
  firstPartyNamespaces: readonly string[];
}

/** Dev mode and the open behaviour of before: every client_id anywhere, every client first-party. */
export const OPEN_POLICY: TenancyPolicy = { clientIdPatterns: ['*=*'], firstPartyNamespaces: ['*'] };

/** Whether `value` matches `pattern`, whose `*` stands for any run of the characters `star` matches (a regex class). */
const globMatches = (pattern: string, value: string, star = '.'): boolean =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(`${star}*`)}$`).test(value);

/**
 * Whether a PURSER_CLIENT_ID_PATTERNS pattern allows `clientId`. Its `*` never stands for a dot: `payments*` meant
 * payments-web, never payments.team-a, an id of team-a's (`<name>.<namespace>`); a dot must be written. The pattern
 * `*` alone is the open behaviour and allows every id.
 */
const patternAllows = (pattern: string, clientId: string): boolean => pattern === '*' || globMatches(pattern, clientId, '[^.]');

/** Why a `PURSER_CLIENT_ID_PATTERNS` entry is malformed, or `undefined`. */
export function clientIdPatternProblem(entry: string): string | undefined {
  const [namespace, pattern, ...rest] = entry.split('=');
  return !namespace || !pattern || rest.length ? `expected namespace=pattern (e.g. team-a=payments), got "${entry}"` : undefined;
}

/**
 * Whether an OAuthClient in `namespace` may use `clientId`. Always: ids ending in `.<namespace>`, the default
 * `<name>.<namespace>` among them. A namespace name has no dot, so such an id names exactly one namespace and no
 * other namespace can ever claim it. Anything else only through an entry of `patterns`.
 */
export function clientIdAllowed(clientId: string, namespace: string, patterns: readonly string[]): boolean {
  if (clientId.endsWith(`.${namespace}`)) return true;
  return patterns.some((entry) => {
    const [namespaces = '', pattern = ''] = entry.split('=');
    return globMatches(namespaces, namespace) && patternAllows(pattern, clientId);
  });
}

/** Why `client` may not use its client_id (reason ClientIdNotAllowed), or `undefined` if it may. */
export function clientIdProblem(client: OAuthClient, policy: TenancyPolicy): Problem | undefined {
  const clientId = clientIdOf(client);
  const namespace = client.metadata.namespace ?? 'default';
  if (clientIdAllowed(clientId, namespace, policy.clientIdPatterns)) return undefined;
  return {
    reason: ClientIdNotAllowed,
    message: `client_id "${clientId}" does not end in ".${namespace}" and no PURSER_CLIENT_ID_PATTERNS entry of the platform team allows it in namespace ${namespace}; remove spec.clientId (the client_id becomes ${client.metadata.name}.${namespace}) or ask the platform team to allow it`,
  };
}

export const isFirstParty = (namespace: string, policy: TenancyPolicy): boolean => policy.firstPartyNamespaces.some((allowed) => allowed === '*' || allowed === namespace);

/** The skipConsent the server must apply: the spec's, honoured only in a first-party namespace. */
export const effectiveSkipConsent = (client: OAuthClient, policy: TenancyPolicy): boolean => (client.spec.skipConsent ?? false) && isFirstParty(client.metadata.namespace ?? 'default', policy);

/** Whether skipConsent is honoured, and why (for the SkipConsent condition); `undefined` when the spec does not ask. */
export function skipConsentVerdict(client: OAuthClient, policy: TenancyPolicy): (Problem & { honoured: boolean }) | undefined {
  if (!client.spec.skipConsent) return undefined;
  const namespace = client.metadata.namespace ?? 'default';
  if (effectiveSkipConsent(client, policy)) return { honoured: true, reason: FirstParty, message: `namespace ${namespace} is first-party (PURSER_FIRST_PARTY_NAMESPACES): signed-in users are not asked for consent` };
  return {
    honoured: false,
    reason: SkipConsentNotAllowed,
    message: `skipConsent is not honoured: namespace ${namespace} is not first-party (PURSER_FIRST_PARTY_NAMESPACES of the platform team), so users see the consent page; the client works otherwise`,
  };
}
