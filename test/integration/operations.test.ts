// What operators rely on: readiness follows Redis, metrics count tokens and errors, client changes reach every
// replica within a second, and a dump of Redis hands nobody a usable credential.
import * as oidc from 'openid-client';
import { describe, expect, inject, it } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { Browser } from '../support/browser.ts';
import { freePort, startPurser, writeFixtures } from '../support/purser.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { codeFlow, oauthFailure, relyingParty, SECRETS } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('operations');

/** Polls `probe` until it yields a value; the deadline is generous on purpose (no timing thresholds in tests). */
async function eventually<T>(probe: () => Promise<T | undefined>, deadlineMs = 10_000): Promise<{ value?: T; ms: number }> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const value = await probe();
    if (value !== undefined) return { value, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { ms: Date.now() - started };
}

describe('readiness', () => {
  it('is ready while Redis answers and unready when it stops, while liveness stays up', async () => {
    const redis = await startRedisServer();
    const server = await startPurser({ redisUrl: redis.url, prefix: uniquePrefix('readiness'), fixtures: await writeFixtures() });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      await redis.stop();
      const response = await fetch(`${server.url}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'unavailable' });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('metrics', () => {
  it('counts tokens by grant type and client, and errors by code', async () => {
    const rp = await relyingParty(context.server.issuer, 'reports.test');
    await oidc.clientCredentialsGrant(rp);
    await oauthFailure(oidc.clientCredentialsGrant(rp, { scope: 'nope' }));
    const text = await (await fetch(`${context.server.url}/metrics`)).text();
    expect(text).toMatch(/purser_tokens_issued_total\{grant_type="client_credentials",client_id="reports\.test"\} [1-9]/);
    expect(text).toMatch(/purser_oauth_errors_total\{error="invalid_scope"\} [1-9]/);
    expect(text).toMatch(/purser_http_request_duration_seconds_bucket\{le="0\.005",route="token",method="POST",status="2xx"\}/);
  });
});

describe('starting before Redis', () => {
  it('waits for Redis instead of exiting, and serves once it answers', async () => {
    const port = await freePort();
    const starting = startPurser({ redisUrl: `redis://127.0.0.1:${port}`, prefix: uniquePrefix('late-redis'), fixtures: await writeFixtures() });
    // Long enough for the first subscribe attempts to fail (ioredis gives up on a command after two reconnects).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const redis = await startRedisServer({ port });
    try {
      const server = await starting;
      try {
        expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
        const tokens = await oidc.clientCredentialsGrant(await relyingParty(server.issuer, 'reports.test'));
        expect(tokens.token_type).toBe('bearer');
      } finally {
        await server.close();
      }
    } finally {
      await redis.stop();
    }
  });
});

describe('metrics on a port of their own', () => {
  it('are served on PURSER_METRICS_PORT and no longer on the public listener', async () => {
    const metricsPort = await freePort();
    const server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('metrics-port'), fixtures: await writeFixtures(), flags: [`--metrics-port=${metricsPort}`] });
    try {
      await oidc.clientCredentialsGrant(await relyingParty(server.issuer, 'reports.test'));
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toMatch(/purser_tokens_issued_total\{grant_type="client_credentials",client_id="reports\.test"\} 1/);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('client catalog changes', () => {
  it('reach a running server at once: a new scope works and a deleted client stops working', async () => {
    // The server's catalog opened a second time, as the controller writes it.
    const writer = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix: context.server.prefix });
    const rp = await relyingParty(context.server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost(SECRETS['ledger.test']) });
    const original = (await writer.clients.get('ledger.test'))!;
    const api = (await writer.apis.get('https://ledger.test'))!;
    try {
      await oidc.clientCredentialsGrant(rp, { scope: 'ledger:read' });
      // The ledger's OAuthAPI defines and admits the new scope too, as its controller would write it.
      await writer.apis.put({ ...api, scopes: [...api.scopes, 'ledger:audit'], clients: { 'ledger.test': { userDelegated: [], clientCredentials: ['ledger:audit', 'ledger:read'] } } });
      await writer.clients.put({ ...original, policy: { ...original.policy, scopes: [...original.policy.scopes, 'ledger:audit'] } });
      const granted = await eventually(() => oidc.clientCredentialsGrant(rp, { scope: 'ledger:audit' }).then((t) => t.scope, () => undefined));
      expect(granted.value).toBe('ledger:audit');

      await writer.clients.delete('ledger.test');
      const refused = await eventually(() => oauthFailure(oidc.clientCredentialsGrant(rp)).then((f) => (f.error === 'invalid_client' ? f : undefined), () => undefined));
      expect(refused.value).toMatchObject({ status: 401, error: 'invalid_client' });
      console.info(`catalog change visible after ${granted.ms} ms (update) and ${refused.ms} ms (delete)`);
    } finally {
      await writer.clients.put(original);
      await writer.apis.put(api);
      await writer.close();
    }
  });
});

describe('a dump of Redis', () => {
  it('contains no token, code, cookie value (session or interaction id) or client secret in plain form', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const browser = new Browser();
    const { tokens, callbackUrl } = await codeFlow(rp, browser, { scope: 'openid offline_access', prompt: 'consent' });
    const ledger = await relyingParty(context.server.issuer, 'ledger.test', { auth: oidc.ClientSecretPost(SECRETS['ledger.test']) });
    const opaque = await oidc.clientCredentialsGrant(ledger);
    // Stop a second sign-in at its consent page: its Interaction (which knows the session) is in Redis now.
    const pending = oidc.buildAuthorizationUrl(rp, { redirect_uri: 'http://127.0.0.1:9999/callback', scope: 'openid email', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    expect((await browser.follow(await browser.get(pending.href), 'http://127.0.0.1:9999/callback')).body).toContain('/confirm"');
    const credentials = [tokens.refresh_token!, tokens.access_token, callbackUrl.searchParams.get('code')!, opaque.access_token, ...Object.values(SECRETS), ...browser.seenCookieValues];
    expect(browser.seenCookieValues.size).toBeGreaterThanOrEqual(4);

    const redis = connectTestRedis();
    try {
      const keys = await redis.keys('*');
      const values = await Promise.all(keys.map(async (key) => JSON.stringify(await redis.dump(key)) + (await redis.type(key) === 'hash' ? JSON.stringify(await redis.hgetall(key)) : '')));
      const dump = keys.join('\n') + values.join('\n');
      expect(keys.length).toBeGreaterThan(5);
      for (const credential of credentials) expect(dump).not.toContain(credential);
    } finally {
      await redis.quit();
    }
  });
});

