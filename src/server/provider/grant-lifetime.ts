// A grant's lifetime starts over whenever it is saved, that is at every authorization the user makes (consent given
// or remembered). Each authorization can start a new refresh token chain, which must not die with an old grant
// long before its own absolute lifetime.
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

interface Renewable {
  exp?: number;
  expiresIn?: number;
  save(...args: unknown[]): Promise<string>;
}

export function installGrantRenewal(provider: Provider): void {
  const prototype = provider.Grant.prototype as unknown as Renewable;
  const save = prototype.save;
  prototype.save = function saveRenewed(this: Renewable, ...args: unknown[]) {
    // Without exp, oidc-provider computes it afresh from ttl.Grant.
    this.exp = undefined;
    this.expiresIn = undefined;
    return save.apply(this, args);
  };
}

/**
 * oidc-provider's default, plus a renewal when consent is remembered rather than given now. The renewal only
 * extends the stored grant (never rewrites it), so it cannot undo a concurrent consent or bring back a revoked grant.
 */
export function existingGrantLoader(renew: (grantId: string, clientId: string) => Promise<void>) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC) {
    const justGranted = ctx.oidc.result?.consent?.grantId;
    const clientId = ctx.oidc.client!.clientId;
    const grantId = justGranted ?? ctx.oidc.session?.grantIdFor(clientId);
    if (!grantId) return undefined;
    if (!justGranted) await renew(grantId, clientId);
    return ctx.oidc.provider.Grant.find(grantId);
  };
}
