// Workload identity on a control plane of its own (issue 14), for what needs kube-apiserver's keys or its restarts:
// a token signed by the cluster's own key but expired is refused as such; the server keeps verifying ServiceAccount
// tokens while kube-apiserver is down (offline, from the keys the controller published); and after a
// service-account key rotation (kube-apiserver restarted with a new signing key, the previous one still accepted)
// new tokens work once the controller has read the keys again, without restarting the server.
import { setTimeout as sleep } from 'node:timers/promises';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunningController } from '../../src/controller/index.ts';
import { describe as describeError, SA_TOKEN_EXPIRED } from '../../src/server/errors/descriptions.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { createNamespace, kubectlOk, startTestController, waitFor, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { oauthFailure } from '../support/rp.ts';
import { claimsOf, createToken, forgeToken, serviceAccountAuth } from '../support/service-account-tokens.ts';

const CLUSTER_ISSUER = 'https://kubernetes.default.svc';
const OUTAGE_MS = 3000;

describe('workload identity across kube-apiserver restarts', () => {
  let plane: ControlPlane;
  let namespace: string;
  let server: TestServer;
  let controller: RunningController;

  const kubectl = (args: string[], input?: string) => kubectlOk(args, { kubeconfig: plane.kubeconfig, input });
  const token = () => createToken(namespace, 'orders-worker', { audience: server.issuer, kubeconfig: plane.kubeconfig });
  const rp = (assertion: string) => oidc.discovery(new URL(server.issuer), `orders-worker.${namespace}`, undefined, serviceAccountAuth(() => assertion), { execute: [oidc.allowInsecureRequests] });
  const grant = async (assertion: string) => oidc.clientCredentialsGrant(await rp(assertion));
  const jwks = async () => (JSON.parse(await kubectl(['get', '--raw', '/openid/v1/jwks'])) as { keys: Array<{ kid: string }> }).keys;

  beforeAll(async () => {
    plane = await startControlPlane();
    namespace = await createNamespace('workload-rotation', plane.kubeconfig);
    const prefix = uniquePrefix('workload-rotation');
    server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false, flags: ['--tenancy=open'] });
    await kubectl(['create', 'serviceaccount', 'orders-worker', '-n', namespace]);
    await kubectl(['apply', '-n', namespace, '-f', '-'], 'apiVersion: purser.dev/v1alpha1\nkind: OAuthClient\nmetadata: {name: orders-worker}\nspec: {grantTypes: [client_credentials], serviceAccounts: [orders-worker]}\n');
    // The admin kubeconfig (the chart's RBAC is proved in workload-identity.test.ts); a Lease that outlives the
    // restarts, as in apiserver-outage.test.ts.
    controller = await startTestController({ kubeconfig: plane.kubeconfig, prefix, issuer: server.issuer, namespaces: [namespace], flags: ['--lease-duration=60s', '--service-account-issuer-refresh=1s'] });
    await waitForReady(namespace, 'orders-worker', 'True', undefined, 30_000, plane.kubeconfig);
    await waitFor('a first token to be accepted', async () => (await grant(await token())).access_token, 30_000, 200);
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await server?.close();
    await plane?.stop();
  });

  it("RFC 7519 §4.1.4: a token signed by the cluster's own key is refused once expired, with its expiry (TokenRequest mints none shorter than 10 minutes, so this one is signed here)", async () => {
    const kid = (await jwks())[0]!.kid;
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { ...claimsOf(await token()), iat: now - 700, nbf: now - 700, exp: now - 60 };
    expect(claims.iss).toBe(CLUSTER_ISSUER);
    // The same claims, unexpired: the key and kid are the cluster's, so only the expiry can refuse the first.
    expect((await grant(forgeToken({ ...claims, exp: now + 600 }, plane.serviceAccountKey(), kid))).access_token).toEqual(expect.any(String));
    expect(await oauthFailure(grant(forgeToken(claims, plane.serviceAccountKey(), kid)))).toEqual({
      status: 401,
      error: 'invalid_client',
      error_description: describeError(SA_TOKEN_EXPIRED, new Date((now - 60) * 1000).toISOString()),
    });
  });

  it('keeps verifying ServiceAccount tokens while kube-apiserver is down', async () => {
    const assertion = await token();
    await plane.stopApiServer();
    try {
      let rounds = 0;
      for (const until = performance.now() + OUTAGE_MS; performance.now() < until; rounds++) {
        const { access_token } = await grant(assertion);
        // Opaque (no audience); RFC 7662 §2.1: introspected by the same client, authenticated by the same token.
        expect(await oidc.tokenIntrospection(await rp(assertion), access_token)).toMatchObject({ active: true, client_id: `orders-worker.${namespace}`, service_account: `system:serviceaccount:${namespace}:orders-worker` });
        await sleep(200);
      }
      expect(rounds).toBeGreaterThan(1);
    } finally {
      await plane.startApiServer();
    }
  });

  it('after a service-account key rotation, new tokens work once the controller has read the keys again, without a server restart; old tokens still work', async () => {
    const before = await token();
    const [oldKey] = await jwks();
    await plane.rotateServiceAccountKey();
    const after = await token();
    const keys = await jwks();
    expect(keys.map((key) => key.kid)).toContain(oldKey!.kid);
    const newKid = (JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
    expect(newKid).not.toBe(oldKey!.kid);
    expect(keys.map((key) => key.kid)).toContain(newKid);
    await waitFor('the new key to reach the server', async () => (await grant(after)).access_token, 30_000, 200);
    expect((await grant(before)).access_token).toEqual(expect.any(String));
  });
});
