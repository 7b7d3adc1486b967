// OpenID Connect Core §9 and RFC 7591 §2: a client authenticates with the method it is registered with (its
// OAuthClient's tokenEndpointAuthMethod). oidc-provider takes client_secret_basic and client_secret_post as one
// (lib/shared/client_auth.js), so a client registered for Basic would also be accepted with its secret in the form
// body, where proxies and access logs may keep it; and the setting would mean nothing.
import Provider from 'oidc-provider';

import { AUTH_METHOD_NOT_REGISTERED, describe } from '../errors/descriptions.ts';
import { methodUsed } from '../errors/from-library.ts';
import { InvalidClient } from '../errors/purser-error.ts';

/**
 * Refuses a client that presented its right secret by the other of the two secret methods: invalid_client (401),
 * naming the registered method. Checked only once the secret matched, so only the secret's holder learns the method.
 */
export function installRegisteredAuthMethod(provider: Provider): void {
  const { prototype } = provider.Client;
  const compare = prototype.compareClientSecret;
  prototype.compareClientSecret = async function compareClientSecret(this: InstanceType<Provider['Client']>, presented: string) {
    const matches = await compare.call(this, presented);
    const ctx = Provider.ctx;
    if (!matches || !ctx) return matches;
    const used = methodUsed(ctx);
    if (this.clientAuthMethod !== used) {
      throw new InvalidClient(describe(AUTH_METHOD_NOT_REGISTERED, String(this.clientAuthMethod), used), { challenge: { scheme: 'Basic' } });
    }
    return matches;
  };
}
