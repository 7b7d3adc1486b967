// Gives every grant-bound artifact an id that starts with its grant's tag, so the store can file it next to its
// grant (one Redis Cluster slot) knowing only the id.
import type { Provider } from 'oidc-provider';

import { GRANT_BOUND_MODELS, grantBoundId } from '../../store/keys.ts';

interface Model {
  prototype: { generateTokenId(this: { grantId?: string }): string };
}

export function installGrantBoundTokenIds(provider: Provider): void {
  for (const name of GRANT_BOUND_MODELS) {
    const model = (provider as unknown as Record<string, Model | undefined>)[name];
    if (!model) continue;
    const generateRandomId = model.prototype.generateTokenId;
    model.prototype.generateTokenId = function generateTokenId(this: { grantId?: string }) {
      const random = generateRandomId.call(this);
      return this.grantId ? grantBoundId(this.grantId, random) : random;
    };
  }
}
