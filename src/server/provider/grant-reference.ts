// A JWT access token issued under a grant carries an opaque reference to it, so that introspection can answer
// `active: false` once the grant is gone (logout, revocation, its client deleted), as it does for opaque tokens.
import type { Configuration } from 'oidc-provider';

import { grantReference } from '../../store/keys.ts';

/**
 * The claim: `grantReference(grantId)` (store/keys.ts), a digest from which neither the grant id nor a credential can
 * be recovered. Absent from tokens without a grant (client_credentials). The same in every token of one grant (its
 * refreshes), so it links them no more than `sub` does. Resource servers that verify offline may ignore it; Purser
 * reads it wherever it checks a JWT access token (jwt-access-token.ts).
 */
export const GRANT_REFERENCE_CLAIM = 'grant_ref';

type JwtCustomizer = NonNullable<NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']>;

/** oidc-provider's `formats.customizers.jwt`: JWT access tokens only, so opaque tokens' stored claims stay as they were. */
export const addGrantReference: JwtCustomizer = (_ctx, token, jwt) => {
  const { grantId } = token as { grantId?: string };
  if (grantId) jwt.payload[GRANT_REFERENCE_CLAIM] = grantReference(grantId);
};
