// Gives every stored grant- or client-bound token an id that starts with its grant's (or, for client_credentials,
// its client's) tag, so the store can file it next to its owner (one Redis Cluster slot) knowing only the id.
import type { Provider } from 'oidc-provider';

import { CLIENT_BOUND_MODELS, clientBoundId, GRANT_BOUND_MODELS, grantBoundId } from '../../store/keys.ts';

interface Token {
  grantId?: string;
  clientId?: string;
  /** Set by oidc-provider's own generateTokenId for AccessToken and ClientCredentials: JWTs are never stored, so they need no tag. */
  format?: string;
}

interface Model {
  prototype: { generateTokenId(this: Token): string };
}

function tagIds(provider: Provider, names: ReadonlySet<string>, owner: (token: Token, random: string) => string | undefined): void {
  for (const name of names) {
    const model = (provider as unknown as Record<string, Model | undefined>)[name];
    if (!model) continue;
    const generateRandomId = model.prototype.generateTokenId;
    model.prototype.generateTokenId = function generateTokenId(this: Token) {
      const random = generateRandomId.call(this);
      return this.format === 'jwt' ? random : (owner(this, random) ?? random);
    };
  }
}

/** Grant-bound tokens take their grant's tag, client-bound ones (client_credentials) their client's. */
export function installBoundTokenIds(provider: Provider): void {
  tagIds(provider, GRANT_BOUND_MODELS, (token, random) => (token.grantId ? grantBoundId(token.grantId, random) : undefined));
  tagIds(provider, CLIENT_BOUND_MODELS, (token, random) => (token.clientId ? clientBoundId(token.clientId, random) : undefined));
}
