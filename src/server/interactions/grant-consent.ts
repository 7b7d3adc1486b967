// Grants what the consent prompt asks for and finishes the interaction, as oidc-provider's own consent example
// does. Both the Allow button and a client whose policy skips consent come through here.
import { errors, type Interaction, type Provider } from 'oidc-provider';

import { requestedAccess } from './consent-details.ts';
import { loaded, type StepContext } from './deps.ts';

type Grant = InstanceType<Provider['Grant']>;

/** The grant this interaction extends, or a new one (also when the old one has expired meanwhile). */
async function grantFor(provider: Provider, details: Interaction): Promise<Grant> {
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  if (existing) return existing;
  const accountId = details.session?.accountId;
  // Consent comes after login; an interaction without a signed-in account must start over.
  if (!accountId) throw new errors.SessionNotFound('consent prompt without a signed-in account');
  return new provider.Grant({ accountId, clientId: String(details.params.client_id) });
}

export async function grantConsent(provider: Provider, ctx: StepContext): Promise<void> {
  const { details } = loaded(ctx);
  const grant = await grantFor(provider, details);
  const { scopes, claims, resources } = requestedAccess(details);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, resourceScopes] of Object.entries(resources)) {
    grant.addResourceScope(indicator, resourceScopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
