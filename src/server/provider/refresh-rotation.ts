// One refresh token family is one chain (RFC 9700 §4.14.2), reuse grace or not. oidc-provider mints a new successor
// every time a refresh token is accepted, so a token presented three times within its grace window would start three
// live chains. Here the successor is saved through the adapter's `rotate`, linked to the token it replaces: the
// first presentation's successor is the only one stored, and every other presentation within the window (another
// replica, a retry after a replica died, a parallel burst from a cookie-session proxy) gets that same successor.
import { AsyncLocalStorage } from 'node:async_hooks';

import type { Provider } from 'oidc-provider';

import type { Payload } from '../../store/types.ts';
import { StoreUnavailableError } from '../../store/unavailable.ts';

interface Rotation {
  /** The id of the refresh token this request consumed, once it has. */
  spent?: string;
}

interface RotatingAdapter {
  rotate(spentId: string, id: string, payload: Payload, expiresIn?: number): Promise<string>;
  unconsume(id: string): Promise<void>;
}

interface RefreshTokenInstance {
  jti?: string;
  remainingTTL: number;
  adapter: RotatingAdapter;
  generateTokenId(): string;
  getValueAndPayload(): Promise<{ value: string; payload: Payload }>;
  consume(): Promise<void>;
  save(): Promise<string>;
}

export function installRefreshRotation(provider: Provider): void {
  const requests = new AsyncLocalStorage<Rotation>();
  provider.use((_ctx, next) => requests.run({}, next));

  const prototype = provider.RefreshToken.prototype as unknown as RefreshTokenInstance;
  const { consume, save } = prototype;
  prototype.consume = async function consumeAndRemember(this: RefreshTokenInstance) {
    await consume.call(this);
    const rotation = requests.getStore();
    if (rotation) rotation.spent = this.jti;
  };
  prototype.save = async function saveAsSuccessor(this: RefreshTokenInstance) {
    const spent = requests.getStore()?.spent;
    // A new chain (a code exchange), or a token saved again: nothing to link.
    if (spent === undefined || this.jti !== undefined) return save.call(this);
    this.jti = this.generateTokenId();
    const { payload } = await this.getValueAndPayload();
    // Refresh tokens are opaque: the value handed out is the id.
    try {
      this.jti = await this.adapter.rotate(spent, this.jti, payload, this.remainingTTL);
    } catch (error) {
      // A store fault (503 temporarily_unavailable) tells the client to retry with this very token: it must not find
      // it spent, which without a reuse grace revokes the grant. Removing a field works even in a full Redis.
      if (error instanceof StoreUnavailableError) await this.adapter.unconsume(spent).catch(() => undefined);
      throw error;
    }
    return this.jti;
  };
}
