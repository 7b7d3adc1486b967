// A Grant as loaded is narrowed to what its client may ask for now: a user's consent to `profile` outlives the
// client's spec listing it, and a refresh takes its OpenID Connect scopes (and each resource's scopes) from the
// Grant. Without this, a refresh would keep `profile`/`email` removed from the OAuthClient's `scopes`.
import type { Payload } from './types.ts';

const narrow = (scope: unknown, allowed: ReadonlySet<string>): unknown =>
  typeof scope === 'string'
    ? scope
        .split(' ')
        .filter((name) => allowed.has(name))
        .join(' ')
    : scope;

/** The allowed set of each allow-list a cached client record holds: a refresh narrows its grant on every request. */
const allowedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** `grant` with every scope outside `allowed` (the client's allow-list; `openid` always) removed. */
export function narrowGrant(grant: Payload, allowed: readonly string[]): Payload {
  let set = allowedSets.get(allowed);
  if (!set) {
    set = new Set(['openid', ...allowed]);
    allowedSets.set(allowed, set);
  }
  const openid = grant.openid as { scope?: string } | undefined;
  const resources = grant.resources as Record<string, string> | undefined;
  return {
    ...grant,
    ...(openid ? { openid: { ...openid, scope: narrow(openid.scope, set) } } : {}),
    ...(resources ? { resources: Object.fromEntries(Object.entries(resources).map(([resource, scope]) => [resource, narrow(scope, set)])) } : {}),
  };
}
