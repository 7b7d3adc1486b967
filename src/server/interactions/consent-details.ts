// What the consent prompt says is missing from the grant (oidc-provider's missingOIDCScope, missingOIDCClaims,
// missingResourceScopes), with absent parts as empty lists.
import type { Interaction } from 'oidc-provider';

import type { RequestedAccess } from '../views/consent-words.ts';

interface ConsentPromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

export function requestedAccess(details: Interaction): RequestedAccess {
  const missing = details.prompt.details as ConsentPromptDetails;
  return {
    scopes: missing.missingOIDCScope ?? [],
    claims: missing.missingOIDCClaims ?? [],
    resources: missing.missingResourceScopes ?? {},
  };
}
