// The clients every target serves: the same ids, secrets, audience and scopes as clients/bench.yaml.

export const MACHINE = {
  clientId: 'machine.bench',
  secret: 'machine-secret-0123456789abcdefghijklmnopq',
  audience: 'https://api.bench.test',
  scope: 'bench:read',
  accessTokenTtl: 600,
};

/** MACHINE's twin with opaque access tokens (stored: one Redis write per token for Purser). */
export const MACHINE_OPAQUE = { ...MACHINE, clientId: 'machine-opaque.bench', secret: 'machine-opaque-secret-0123456789abcdefghij' };

export const WEBAPP = {
  clientId: 'webapp.bench',
  secret: 'webapp-secret-0123456789abcdefghijklmnopqrs',
  redirectUri: 'http://127.0.0.1:9999/callback',
  scope: 'openid offline_access',
  refreshTokenTtl: 30 * 86400,
};

/** `Authorization: Basic …` for client_secret_basic (RFC 6749 §2.3.1: both parts form-urlencoded). */
export function basicAuth(client: { clientId: string; secret: string }): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.secret)}`).toString('base64')}`;
}

export const CLIENT_CREDENTIALS_BODY = new URLSearchParams({ grant_type: 'client_credentials', scope: MACHINE.scope }).toString();
