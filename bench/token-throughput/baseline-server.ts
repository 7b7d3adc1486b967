// The baseline: bare oidc-provider, same Node, the bench clients as static `clients`, in-memory storage
// (baseline-adapter.ts, or oidc-provider's stock memory adapter), and the same kind of tokens as Purser (ES256 JWT
// access tokens for one audience via resourceIndicators, opaque ones for machine-opaque; rotating refresh tokens). Run by run.ts with fork(): it
// reports readiness and mints refresh tokens over IPC, so the measured app has no extra route or middleware.
import { readFile } from 'node:fs/promises';

import Provider, { type Configuration } from 'oidc-provider';

import { MapAdapter } from './baseline-adapter.ts';
import { MACHINE, MACHINE_OPAQUE, WEBAPP } from './bench-clients.ts';
import { answerMemoryRequests } from './heap-report.ts';

const [port, jwksFile, cookieKeysFile, adapter = 'map'] = process.argv.slice(2);
if (!port || !jwksFile || !cookieKeysFile || !['map', 'memory'].includes(adapter) || !process.send) {
  throw new Error('usage (forked): baseline-server.ts <port> <jwks file> <cookie keys file> [map|memory]');
}

const issuer = `http://127.0.0.1:${port}`;
const jwks = JSON.parse(await readFile(jwksFile, 'utf8')) as Configuration['jwks'];
const cookieKeys = (await readFile(cookieKeysFile, 'utf8')).split('\n').filter(Boolean);

const configuration: Configuration = {
  ...(adapter === 'map' ? { adapter: MapAdapter } : {}),
  jwks,
  cookies: { keys: cookieKeys, long: { signed: true }, short: { signed: true } },
  clients: [
    {
      client_id: MACHINE.clientId,
      client_secret: MACHINE.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: MACHINE_OPAQUE.clientId,
      client_secret: MACHINE_OPAQUE.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: WEBAPP.clientId,
      client_secret: WEBAPP.secret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [WEBAPP.redirectUri],
    },
  ],
  scopes: ['openid', 'offline_access'],
  rotateRefreshToken: true,
  ttl: {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 3600,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? MACHINE.accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 14 * 86400,
    RefreshToken: WEBAPP.refreshTokenTtl,
    Grant: 90 * 86400,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, client) => (client.clientId === WEBAPP.clientId ? undefined : MACHINE.audience) as string,
      getResourceServerInfo: (_ctx, indicator, client) =>
        client.clientId === MACHINE_OPAQUE.clientId
          ? { scope: MACHINE.scope, audience: indicator, accessTokenTTL: MACHINE.accessTokenTtl, accessTokenFormat: 'opaque' }
          : { scope: MACHINE.scope, audience: indicator, accessTokenTTL: MACHINE.accessTokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } },
      useGrantedResource: () => true,
    },
  },
};

const provider = new Provider(issuer, configuration);

/**
 * Refresh tokens as the authorization_code grant would have issued them (same fields, `rotations: 0`), made
 * directly with the provider's models: one grant per chain, in this process's memory adapter.
 */
async function mintRefreshTokens(count: number): Promise<string[]> {
  const client = await provider.Client.find(WEBAPP.clientId);
  if (!client) throw new Error(`${WEBAPP.clientId} is not configured`);
  const authTime = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const grant = new provider.Grant({ accountId: 'alice', clientId: WEBAPP.clientId });
    grant.addOIDCScope(WEBAPP.scope);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId: 'alice',
      authTime,
      client,
      grantId,
      gty: 'authorization_code',
      rotations: 0,
      scope: WEBAPP.scope,
      sessionUid: `bench-session-${i}`,
      sid: `bench-sid-${i}`,
    });
    tokens.push(await token.save());
  }
  return tokens;
}

const server = provider.listen(Number(port), '127.0.0.1');
server.once('listening', () => process.send!({ ready: issuer }));
process.on('message', (message: { seed?: number }) => {
  if (typeof message.seed !== 'number') return;
  mintRefreshTokens(message.seed).then(
    (tokens) => process.send!({ tokens }),
    (error: unknown) => process.send!({ error: String((error as Error).stack ?? error) }),
  );
});
answerMemoryRequests();
process.once('SIGTERM', () => server.close(() => process.exit(0)));
