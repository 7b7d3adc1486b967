// What the adapter keeps for one HTTP request. oidc-provider calls its adapter one model at a time, with no request
// to tie the calls together; refresh-rotation.ts enters one AdapterRequest around every request, so that a
// refresh_token grant costs two store round trips: the read that finds the refresh token also brings its Grant (asked
// for next), and the writes (consume the presented token, save its successor, save the access token) are held back
// and sent together as one atomic ArtifactStore.rotate when the access token is saved.
import { AsyncLocalStorage } from 'node:async_hooks';

import { refuseUnspent } from './spend-refusal.ts';
import { openSuccessor, sealSuccessor } from './successor-seal.ts';
import type { ArtifactStore, ArtifactWrite, Payload } from './types.ts';

export class AdapterRequest {
  /** Grants read along with a refresh token, by grant id (undefined: read, and not stored), until Grant.find takes one. */
  grants?: Map<string, Payload | undefined>;
  /** The refresh token last found, with its reuse grace (s): whether its successor must be sealed beside it. */
  presented?: { id: string; reuseGrace: number };
  /** The refresh token oidc-provider consumes in this request: its consumption waits for the rotation. */
  spent?: string;
  /** Its successor, saved by oidc-provider and not yet stored. */
  successor?: ArtifactWrite;
  /** The access token the refresh buys, saved by oidc-provider and not yet stored (none for a JWT). */
  accessToken?: ArtifactWrite;
  /** The successor to hand out instead of the one oidc-provider minted: an earlier presentation's (reuse grace). */
  replaced?: { minted: string; linked: string };
  /** Whether the rotation went to the store (ArtifactStore.rotate called): from then on the request has an outcome. */
  committed = false;
  /** The last read of a refresh token: a second find of the same id in this request (the token fast path's read, then oidc-provider's) reuses it. */
  #read?: { id: string; found: Awaited<ReturnType<ArtifactStore['findWithGrant']>> };

  /** The refresh token `id`, and its Grant kept for `takeGrant` (one round trip, ArtifactStore.findWithGrant, once per id). */
  async findRefreshToken(artifacts: ArtifactStore, id: string): Promise<Payload | undefined> {
    if (this.#read?.id !== id) this.#read = { id, found: await artifacts.findWithGrant('RefreshToken', id) };
    const { found } = this.#read;
    if (!found) return undefined;
    if (typeof found.payload.grantId === 'string') (this.grants ??= new Map()).set(found.payload.grantId, found.grant);
    this.presented = { id, reuseGrace: found.payload.reuseGrace ?? 0 };
    // A copy: the adapter restores `jti` and hides a consumption in grace on what it returns (oidc-adapter.ts restore).
    return { ...found.payload };
  }

  /** Whether a Grant read with a refresh token waits for `takeGrant`. */
  holdsGrant(grantId: string): boolean {
    return this.grants?.has(grantId) ?? false;
  }

  /** The Grant read with a refresh token, once: a later find reads the store again. */
  takeGrant(grantId: string): Payload | undefined {
    const grant = this.grants?.get(grantId);
    this.grants?.delete(grantId);
    return grant;
  }

  /**
   * Holds back a write of the rotation under way (the successor of `spent`, then the access token of the same grant)
   * and returns true; false for any other write, which the caller makes at once.
   */
  hold(write: ArtifactWrite): boolean {
    if (this.spent === undefined) return false;
    if (write.model === 'RefreshToken' && !this.successor && write.id !== this.spent) {
      this.successor = write;
      return true;
    }
    if (write.model === 'AccessToken' && this.successor && !this.accessToken && write.payload.grantId === this.successor.payload.grantId) {
      this.accessToken = write;
      return true;
    }
    return false;
  }

  /** Drops the writes held back so far, unwritten: the request is handed to oidc-provider, which makes them again. */
  discardHeld(): void {
    this.spent = this.successor = this.accessToken = undefined;
  }

  /**
   * Stores the held-back rotation in one atomic ArtifactStore.rotate (nothing when there is none), and notes the
   * successor to hand out when an earlier presentation's is. Throws InvalidGrant when the presented token was
   * already used (the grant is then revoked) or is gone; a store fault leaves it unconsumed.
   */
  async commit(artifacts: ArtifactStore): Promise<void> {
    const { spent, successor, accessToken } = this;
    if (spent === undefined || !successor) return;
    this.spent = this.successor = this.accessToken = undefined;
    this.committed = true;
    // Without a reuse grace nobody may be handed the successor again: no seal (and no AES-GCM) needed.
    const reuseGrace = this.presented?.id === spent ? this.presented.reuseGrace : 1;
    const sealed = reuseGrace > 0 ? sealSuccessor(spent, successor.id) : '';
    const { outcome, linked } = await artifacts.rotate(spent, successor, sealed, accessToken);
    refuseUnspent(successor.model, outcome);
    if (linked) this.replaced = { minted: successor.id, linked: openSuccessor(spent, linked) };
  }
}

export const adapterRequests = new AsyncLocalStorage<AdapterRequest>();
