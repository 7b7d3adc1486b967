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

/** oidc-provider's default, plus a save when consent is remembered rather than given now. */
export async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const justGranted = ctx.oidc.result?.consent?.grantId;
  const grantId = justGranted ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
  if (!grantId) return undefined;
  const grant = await ctx.oidc.provider.Grant.find(grantId);
  if (grant && !justGranted) await grant.save();
  return grant;
}
