// The two oidc-provider patches of logout (src/patches.ts), on a fresh provider: Client#backchannelLogout queues a
// job instead of POSTing, and Session#authorizationFor reads persistsLogout as false for revokeOfflineAccess clients.
import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';

import { installBackchannelQueue } from '../../src/server/logout/enqueue.ts';
import { installOfflineRevocation } from '../../src/server/logout/offline-access.ts';
import { generateSigningKeys } from '../../src/server/provider/keys.ts';
import type { ClientPolicy, LogoutJob } from '../../src/store/types.ts';

const freshProvider = () => new Provider('http://127.0.0.1:1', { jwks: generateSigningKeys() as never, features: { devInteractions: { enabled: false } } });

interface SessionLike {
  authorizations?: Record<string, { persistsLogout?: boolean }>;
  authorizationFor(clientId: string): { persistsLogout?: boolean };
}

describe('Client#backchannelLogout (Back-Channel Logout 1.0 §2.7)', () => {
  it('queues one job with a fresh jti, the sub and the sid, and sends nothing', async () => {
    const provider = freshProvider();
    const queued: LogoutJob[] = [];
    installBackchannelQueue(provider, async (job) => void queued.push(job));
    // oidc-provider's own would POST to this URI (nothing listens there) and reject.
    const backchannelLogout = (provider.Client.prototype as unknown as { backchannelLogout(sub: string, sid?: string): Promise<void> }).backchannelLogout;
    await backchannelLogout.call({ clientId: 'web.team', backchannelLogoutUri: 'http://127.0.0.1:1/unreachable' }, 'alice', 'sid-1');
    await backchannelLogout.call({ clientId: 'web.team' }, 'alice', 'sid-1');
    expect(queued).toEqual([
      { jti: expect.any(String), clientId: 'web.team', sub: 'alice', sid: 'sid-1' },
      { jti: expect.any(String), clientId: 'web.team', sub: 'alice', sid: 'sid-1' },
    ]);
    expect(queued[0]!.jti).not.toBe(queued[1]!.jti);
  });
});

describe('Session#authorizationFor under logout.revokeOfflineAccess', () => {
  function session(policies: Record<string, Partial<ClientPolicy>>): SessionLike {
    const provider = freshProvider();
    installOfflineRevocation(provider, (clientId) => policies[clientId] as ClientPolicy | undefined);
    return new (provider.Session as unknown as new (payload: object) => SessionLike)({ jti: 'session-1', authorizations: {} });
  }

  it('reads the offline mark as false for a client that revokes offline grants at logout, and stores it unchanged', () => {
    const subject = session({ 'revoke.team': { revokeOfflineAccessOnLogout: true } });
    subject.authorizationFor('revoke.team').persistsLogout = true;
    expect(subject.authorizationFor('revoke.team').persistsLogout).toBe(false);
    expect(subject.authorizations!['revoke.team']!.persistsLogout).toBe(true);
  });

  it('leaves the mark alone for other clients, and for clients whose record is not cached', () => {
    const subject = session({ 'keep.team': {} });
    for (const clientId of ['keep.team', 'unknown.team']) {
      subject.authorizationFor(clientId).persistsLogout = true;
      expect(subject.authorizationFor(clientId).persistsLogout).toBe(true);
    }
  });
});
