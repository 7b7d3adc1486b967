// What logout revokes, per client: oidc-provider marks a session's authorization `persistsLogout` when its grant
// includes offline_access, and end_session then leaves that grant (and its refresh tokens) alone. For a client whose
// OAuthClient says `logout.revokeOfflineAccess: true`, the mark reads as false, so logout revokes the grant like any
// other. Decided when read, from the client's current record, so a change applies to sessions already open.
import type { Provider } from 'oidc-provider';

import type { ClientPolicy } from '../../store/types.ts';

type Authorization = Record<string, unknown> & { persistsLogout?: boolean };
type AuthorizationFor = (this: unknown, clientId: string, value?: unknown) => Authorization;

export function installOfflineRevocation(provider: Provider, policyFor: (clientId: string) => ClientPolicy | undefined): void {
  const prototype = provider.Session.prototype as unknown as { authorizationFor: AuthorizationFor };
  const authorizationFor = prototype.authorizationFor;
  prototype.authorizationFor = function authorizationForLogout(this: unknown, clientId: string, value?: unknown) {
    const authorization = authorizationFor.call(this, clientId, value);
    // Writes (the mark set at authorization) go to the stored object; only the read at logout changes.
    return new Proxy(authorization, {
      get: (target, property, receiver) => (property === 'persistsLogout' && policyFor(clientId)?.revokeOfflineAccessOnLogout ? false : Reflect.get(target, property, receiver)),
    });
  };
}
