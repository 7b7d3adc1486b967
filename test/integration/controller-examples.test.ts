// `kubectl apply -f examples/clients/` against a real kube-apiserver, the controller (as its least-privileged
// ServiceAccount) and a server sharing Redis: every example becomes Ready, its Secret tells a workload how to get a
// token, and openid-client gets one with exactly those credentials.
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunningController } from '../../src/controller/index.ts';
import { controllerKubeconfig, kubeClients, kubectl, kubectlOk, secretData, startTestController, waitFor, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { oauthFailure } from '../support/rp.ts';

// The examples live in `default`; no other test file uses it.
const NAMESPACE = 'default';
const EXAMPLES = new URL('../../examples/clients/', import.meta.url).pathname;

describe('kubectl apply -f examples/clients/', () => {
  let server: TestServer;
  let controller: RunningController;
  let appliedAt: number;
  let applyOutput: string;

  beforeAll(async () => {
    const prefix = uniquePrefix('controller-examples');
    server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
    controller = await startTestController({ kubeconfig: await controllerKubeconfig(NAMESPACE), prefix, issuer: server.issuer, namespaces: [NAMESPACE] });
    appliedAt = performance.now();
    applyOutput = await kubectlOk(['apply', '-f', EXAMPLES]);
  });

  afterAll(async () => {
    await kubectl(['delete', '-f', EXAMPLES, '--wait=true', '--timeout=20s']);
    await controller?.stop();
    await server?.close();
  });

  it('a service gets a token with the credentials from its generated Secret, within a second of the apply', async () => {
    const { getSecret } = kubeClients();
    // What a workload does: read the Secret (envFrom), ask the token endpoint, retry until it answers.
    const tokens = await waitFor('a client_credentials token for orders-worker', async () => {
      const secret = await getSecret(NAMESPACE, 'orders-worker-oauth-client');
      if (!secret) return undefined;
      const { client_id, client_secret, issuer } = secretData(secret);
      const rp = await oidc.discovery(new URL(issuer!), client_id!, client_secret, oidc.ClientSecretBasic(client_secret!), { execute: [oidc.allowInsecureRequests] });
      return oidc.clientCredentialsGrant(rp, { scope: 'orders:read' });
    }, 10_000, 20);
    const elapsedMs = performance.now() - appliedAt;
    console.log(`[controller-examples] kubectl apply → first token: ${elapsedMs.toFixed(0)} ms`);
    expect(tokens.access_token.split('.')).toHaveLength(3); // a JWT, as the example asks
    expect(tokens.scope).toBe('orders:read');
  });

  it('reports every example Ready with its client_id, Secret and issuer', async () => {
    expect(applyOutput).toMatch(/oauthclient.purser.dev\/orders-worker created/);
    const examples = [
      ['orders-worker', 'orders-worker-oauth-client', ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange']],
      ['dashboard', 'dashboard-credentials', ['authorization_code', 'refresh_token']],
      ['cli', undefined, ['authorization_code', 'refresh_token']],
      ['device-cli', undefined, ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']],
    ] as const;
    for (const [name, secretName, grantTypes] of examples) {
      const client = await waitForReady(NAMESPACE, name);
      expect(client.status).toMatchObject({ clientId: `${name}.${NAMESPACE}`, grantTypes, issuer: server.issuer, observedGeneration: 1 });
      expect(client.status?.secretName).toBe(secretName);
    }
  });

  it('RFC 8693: the inventory OAuthAPI lists orders-worker as delegated inventory:read in its status, and the catalog record carries it', async () => {
    const status = await waitFor('the inventory OAuthAPI status', async () => {
      const api = JSON.parse(await kubectlOk(['get', 'oauthapi', 'inventory', '-n', NAMESPACE, '-o', 'json'])) as { status?: { admittedClients?: unknown[] } };
      return api.status?.admittedClients?.length ? api.status : undefined;
    });
    expect(status.admittedClients).toEqual([{ namespace: NAMESPACE, name: 'orders-worker', clientId: 'orders-worker.default', userDelegated: [], clientCredentials: [], delegated: ['inventory:read'] }]);
    // orders-worker is admitted to the inventory audience by delegation alone: still Ready, no AudienceNotAdmitted.
    const worker = await waitForReady(NAMESPACE, 'orders-worker');
    expect(worker.status?.conditions?.find((condition) => condition.type === 'AudiencesAdmitted')).toMatchObject({ status: 'True' });
  });

  it('gives each confidential client a Secret a workload can envFrom: client_id, client_secret, issuer, token_endpoint', async () => {
    const { getSecret } = kubeClients();
    const generated = secretData((await getSecret(NAMESPACE, 'orders-worker-oauth-client'))!);
    expect(generated).toEqual({ client_id: 'orders-worker.default', client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), issuer: server.issuer, token_endpoint: `${server.issuer}/token` });
    // The user's own Secret keeps its client_secret and gains the describing keys.
    const supplied = secretData((await getSecret(NAMESPACE, 'dashboard-credentials'))!);
    expect(supplied).toEqual({ client_id: 'dashboard.default', client_secret: 'dev-only-dashboard-secret-change-me-0123456789', issuer: server.issuer, token_endpoint: `${server.issuer}/token` });
  });

  it('serves the web app with the secret its user supplied, and the public client without one', async () => {
    const rp = await oidc.discovery(new URL(server.issuer), 'dashboard.default', undefined, oidc.ClientSecretBasic('dev-only-dashboard-secret-change-me-0123456789'), { execute: [oidc.allowInsecureRequests] });
    // The web app may not use client_credentials: refused for its grant, which proves it authenticated.
    expect(await oauthFailure(oidc.clientCredentialsGrant(rp))).toMatchObject({ status: 400, error: 'unauthorized_client' });
    const wrong = await oidc.discovery(new URL(server.issuer), 'dashboard.default', undefined, oidc.ClientSecretBasic('not-the-dashboard-secret-0123456789abcdef'), { execute: [oidc.allowInsecureRequests] });
    expect(await oauthFailure(oidc.clientCredentialsGrant(wrong))).toMatchObject({ status: 401, error: 'invalid_client' });
    const cli = await oidc.discovery(new URL(server.issuer), 'cli.default', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const url = oidc.buildAuthorizationUrl(cli, { redirect_uri: 'http://127.0.0.1:8400/callback', scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/\/interaction\//); // to the login page, not an error
  });
});
