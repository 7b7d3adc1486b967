// Which scopes the exchanged token carries (RFC 8693 §2.1, §5: a delegated right restricted by scope): those asked
// for (or, when none are, every one that fits), each of which must be delegated to the caller by the target API's
// OAuthAPI (spec.delegation, for this subject: users' tokens, or this ServiceAccount's), listed in the caller's own
// OAuthClient scopes, and carried by the subject token: an exchange never widens what the user's token allowed. A
// ServiceAccount token carries no scope, so there the delegation alone bounds the subject. Pure: the refusal is thrown
// as the OAuth error to answer.
import { noOAuthAPIDescription } from '../../../api/admission-errors.ts';
import { delegatedFor, type AudienceAdmission } from '../../../api/admission.ts';
import { OIDC_SCOPES } from '../../../api/types.ts';
import type { ClientPolicy } from '../../../store/types.ts';
import { describe, EXCHANGE_NOT_DELEGATED, EXCHANGE_NOTHING_TO_DELEGATE, EXCHANGE_SA_NOT_DELEGATED, EXCHANGE_OIDC_SCOPES, EXCHANGE_SCOPE_NOT_DELEGATED, EXCHANGE_SCOPE_NOT_IN_SUBJECT, RESOURCE_NOT_AN_AUDIENCE, SCOPE_NOT_ALLOWED } from '../../errors/descriptions.ts';
import { InvalidScope, InvalidTarget } from '../../errors/purser-error.ts';

export interface ScopeQuestion {
  /** The target API's catalog record; `undefined` when no OAuthAPI declares the audience. */
  record: AudienceAdmission | undefined;
  target: string;
  clientId: string;
  /** The caller's own allow-lists (its OAuthClient's audiences and scopes). */
  policy: Pick<ClientPolicy, 'audiences' | 'scopes'>;
  /** The scope parameter; `undefined` when the request has none. */
  requested?: string[];
  /** The scopes the subject token carries; `undefined` for a ServiceAccount token, which carries none. */
  subjectScopes?: string[];
  /** `namespace/name` when the subject is a ServiceAccount: the delegation entries naming it decide. */
  serviceAccount?: string;
}

const quoted = (scopes: string[]): string => [...scopes].sort().join(' ') || 'none';

/**
 * The scopes, sorted, or throws: invalid_target (§2.2.2) when the caller may not get tokens for the target at all
 * (not among its audiences, no OAuthAPI, no delegation entry for it); invalid_scope (RFC 6749 §5.2) for a scope
 * beyond the delegation, the caller's scopes or the subject token, or when nothing is left to delegate.
 */
export function exchangedScopes({ record, target, clientId, policy, requested, subjectScopes, serviceAccount }: ScopeQuestion): string[] {
  if (!policy.audiences.includes(target)) throw new InvalidTarget(describe(RESOURCE_NOT_AN_AUDIENCE, target, policy.audiences.join(', ') || 'none'));
  if (!record) throw new InvalidTarget(noOAuthAPIDescription(target));
  const delegated = delegatedFor(record, clientId, serviceAccount);
  if (!delegated.length) throw new InvalidTarget(serviceAccount ? describe(EXCHANGE_SA_NOT_DELEGATED, record.api, clientId, serviceAccount, target) : describe(EXCHANGE_NOT_DELEGATED, record.api, clientId, target));
  const carried = (scope: string) => !subjectScopes || subjectScopes.includes(scope);
  if (!requested) {
    const fitting = delegated.filter((scope) => policy.scopes.includes(scope) && carried(scope));
    if (fitting.length) return fitting;
    // Without subject scopes, nothing fits only because the caller's own scopes list none of the delegated ones.
    throw new InvalidScope(subjectScopes ? describe(EXCHANGE_NOTHING_TO_DELEGATE, clientId, target, quoted(delegated)) : describe(SCOPE_NOT_ALLOWED, delegated.join(' '), quoted(policy.scopes)));
  }
  const refusing = (scopes: string[], description: string) => {
    if (scopes.length) throw new InvalidScope(description, { scope: scopes.join(' ') });
  };
  const oidcScopes = requested.filter((scope) => OIDC_SCOPES.includes(scope));
  refusing(oidcScopes, describe(EXCHANGE_OIDC_SCOPES, oidcScopes.join(' ')));
  const undelegated = requested.filter((scope) => !delegated.includes(scope));
  refusing(undelegated, describe(EXCHANGE_SCOPE_NOT_DELEGATED, record.api, clientId, delegated.join(' '), target, undelegated.join(' ')));
  const notOwn = requested.filter((scope) => !policy.scopes.includes(scope));
  refusing(notOwn, describe(SCOPE_NOT_ALLOWED, notOwn.join(' '), quoted(policy.scopes)));
  const notInSubject = requested.filter((scope) => !carried(scope));
  refusing(notInSubject, describe(EXCHANGE_SCOPE_NOT_IN_SUBJECT, notInSubject.join(' '), quoted(subjectScopes ?? [])));
  return [...new Set(requested)].sort();
}
