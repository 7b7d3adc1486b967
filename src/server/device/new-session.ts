// A device page POSTed without a live session (its cookie expired or was never set: another browser, a forged form).
// oidc-provider's error handler (lib/shared/error_handler.js) renders the code form again with a fresh xsrf value,
// which it stores in the session after the session middleware has finished; the route wrapper then calls
// Session#persist, which throws for a session that was never saved. The person would get a 500 instead of the form.
// Such a session is saved here the way the session middleware saves a new one: its cookie set, stored for the
// session lifetime, so that the re-rendered form works when submitted again.
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

interface SessionLike {
  id: string;
  exp?: number;
  persist(): Promise<unknown>;
  save(ttlSeconds: number): Promise<unknown>;
}

/** Makes Session#persist save a never-saved session for `sessionTtl` seconds and set its cookie, instead of throwing. */
export function installNewSessionPersist(provider: Provider, sessionTtl: number): void {
  const prototype = provider.Session.prototype as unknown as SessionLike;
  const persist = prototype.persist;
  prototype.persist = async function persistOrSave(this: SessionLike) {
    if (typeof this.exp === 'number') return persist.call(this);
    // oidc-provider keeps the request's context in an AsyncLocalStorage it reads through Provider.ctx.
    const ctx = (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
    if (!ctx) return persist.call(this);
    ctx.oidc.cookies.set(provider.cookieName('session'), this.id, { signed: true });
    return this.save(sessionTtl);
  };
}
