// The server never asks the Kubernetes API for a token: with kube-apiserver stopped, client_credentials tokens keep
// coming (opaque ones introspect as active) and refresh tokens rotate, all from Redis; the controller stays alive
// while its watches retry. Once the API server is back, the same controller carries on without a restart: a new
// client becomes Ready and gets a token, and deleting the first client revokes what was issued to it.
// On a control plane of its own, since stopping the run's shared API server would break every other test file.
import { setTimeout as sleep } from 'node:timers/promises';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunningController } from '../../src/controller/index.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { admittingApi, createNamespace, kubeClients, kubectlOk, relyingPartyFromSecret, startTestController, waitForAdmitted, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, REDIRECT_URI } from '../support/rp.ts';

const OUTAGE_MS = 3000;
const BILLING_API = 'https://billing.test';

/** `billing` (opaque client_credentials tokens for the billing API) and `portal` (sign-in with rotating refresh tokens). */
const clientsBefore = (namespace: string) => `
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: {name: billing, namespace: ${namespace}}
spec:
  grantTypes: [client_credentials]
  scopes: [billing:read]
  audiences: [${BILLING_API}]
  accessToken: {format: opaque}
---
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: {name: portal, namespace: ${namespace}}
spec:
  grantTypes: [authorization_code, refresh_token]
  redirectUris: [${REDIRECT_URI}]
  scopes: [openid, offline_access]
`;

/** The billing API's OAuthAPI: it admits both clients and names billing-api its resource server. */
const billingOAuthApi = (namespace: string) => admittingApi(namespace, 'billing', BILLING_API, ['billing:read'], ['billing-api']);

/** The billing API itself: a confidential client of the same audience, which may introspect billing's tokens. */
const clientAfter = (namespace: string) => `
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: {name: billing-api, namespace: ${namespace}}
spec:
  grantTypes: [client_credentials]
  audiences: [${BILLING_API}]
`;

describe('kube-apiserver stopped for a while', () => {
  let plane: ControlPlane;
  let namespace: string;
  let server: TestServer;
  let controller: RunningController;

  const kubectl = (args: string[], input?: string) => kubectlOk(args, { kubeconfig: plane.kubeconfig, input });
  const ready = (name: string) => waitForReady(namespace, name, 'True', undefined, 30_000, plane.kubeconfig);
  const admitted = (name: string) => waitForAdmitted(namespace, name, 30_000, plane.kubeconfig);
  /** openid-client as the workload holding the client's Secret would configure it. */
  const relyingParty = async (name: string) => relyingPartyFromSecret((await kubeClients(plane.kubeconfig).getSecret(namespace, `${name}-oauth-client`))!);
  const healthz = async () => (await fetch(`${controller.healthUrl}/healthz`)).status;

  beforeAll(async () => {
    plane = await startControlPlane();
    namespace = await createNamespace('apiserver-outage', plane.kubeconfig);
    const prefix = uniquePrefix('apiserver-outage');
    server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
    // The control plane's admin kubeconfig: RBAC is proved elsewhere, this is about the API server going away. The
    // outage (a slow apiserver shutdown, 3 s down, its start) is longer than the default Lease's renew deadline (10 s),
    // after which a leader steps down and exits to be restarted; a longer Lease keeps this one leading throughout.
    controller = await startTestController({ kubeconfig: plane.kubeconfig, prefix, issuer: server.issuer, namespaces: [namespace], flags: ['--lease-duration=60s'] });
  }, 120_000);

  afterAll(async () => {
    await controller?.stop();
    await server?.close();
    await plane?.stop();
  });

  it('keeps issuing, introspecting and rotating tokens; the controller recovers without a restart', async () => {
    await kubectl(['apply', '-f', '-'], [billingOAuthApi(namespace), clientsBefore(namespace)].join('---\n'));
    await Promise.all([admitted('billing'), ready('portal')]);
    const billing = await relyingParty('billing');
    const first = await oidc.clientCredentialsGrant(billing, { scope: 'billing:read' });
    const portal = await relyingParty('portal');
    let refreshToken = (await codeFlow(portal, undefined, { scope: 'openid offline_access', prompt: 'consent' })).tokens.refresh_token!;

    let started = performance.now();
    await plane.stopApiServer();
    console.log(`[apiserver-outage] kube-apiserver stopped in ${(performance.now() - started).toFixed(0)} ms`);
    let rounds = 0;
    for (const until = performance.now() + OUTAGE_MS; performance.now() < until; rounds++) {
      const { access_token } = await oidc.clientCredentialsGrant(billing, { scope: 'billing:read' });
      expect(access_token.split('.')).toHaveLength(1); // opaque
      expect(await oidc.tokenIntrospection(billing, access_token)).toMatchObject({ active: true, client_id: `billing.${namespace}`, aud: BILLING_API });
      const { refresh_token: rotated } = await oidc.refreshTokenGrant(portal, refreshToken);
      expect(rotated).toEqual(expect.any(String));
      expect(rotated).not.toBe(refreshToken);
      refreshToken = rotated!;
      expect(await healthz()).toBe(200);
      await sleep(100);
    }
    console.log(`[apiserver-outage] ${rounds} rounds of client_credentials + introspection + refresh rotation while kube-apiserver was down`);
    expect((await oidc.tokenIntrospection(billing, first.access_token)).active).toBe(true);

    started = performance.now();
    await plane.startApiServer();
    console.log(`[apiserver-outage] kube-apiserver ready again in ${(performance.now() - started).toFixed(0)} ms`);
    expect(controller.isLeader).toBe(true);

    // Watches resumed: a client applied now is reconciled, and its credentials work.
    await kubectl(['apply', '-f', '-'], clientAfter(namespace));
    await admitted('billing-api');
    const billingApi = await relyingParty('billing-api');
    expect((await oidc.clientCredentialsGrant(billingApi)).access_token).toEqual(expect.any(String));
    expect((await oidc.tokenIntrospection(billingApi, first.access_token)).active).toBe(true);

    // Deletion works as ever: billing's credentials are refused and what was issued to it is revoked.
    await kubectl(['delete', 'oauthclient', 'billing', '-n', namespace, '--wait=true', '--timeout=20s']);
    expect(await oauthFailure(oidc.clientCredentialsGrant(billing, { scope: 'billing:read' }))).toMatchObject({ status: 401, error: 'invalid_client' });
    expect((await oidc.tokenIntrospection(billingApi, first.access_token)).active).toBe(false);
    expect(await healthz()).toBe(200);
  });
});
