// oidc-provider's interaction policy (login, then consent), with one more login check: a session whose account is no
// longer a user (removed from the users file while signed in, or a replica whose users file is older) counts as
// signed out. oidc-provider's own checks only ask whether the session names an account; without this one, its consent
// checks read the grant of an account it could not load and the authorization answers 500.
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

import { LOGIN_REQUIRED } from '../errors/codes.ts';
import { SESSION_ACCOUNT_UNKNOWN } from '../errors/descriptions.ts';

/** The check's reason, as the interaction's prompt details name it. */
const ACCOUNT_UNKNOWN = 'account_unknown';

/**
 * Whether the session names an account that findAccount did not find. oidc-provider loads the session's account
 * (lib/actions/authorization/session.js, loadAccount) before it evaluates the policy, at /auth, its resume and the
 * device flow's pages alike.
 */
const accountUnknown = (ctx: KoaContextWithOIDC): boolean => Boolean(ctx.oidc.session?.accountId) && !ctx.oidc.account;

/** The default prompts with the unknown-account check added to login; prompt=none gets login_required. */
export function purserInteractionPolicy(): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(new interactionPolicy.Check(ACCOUNT_UNKNOWN, SESSION_ACCOUNT_UNKNOWN, LOGIN_REQUIRED, accountUnknown));
  return policy;
}
