// Workload identity (issue 14; DESIGN.md, "Workloads as clients"): a ServiceAccount token from the real
// kube-apiserver (TokenRequest, as `kubectl create token` mints it) is an RFC 7523 client assertion. The controller,
// with the chart's RBAC, reads the cluster's service-account issuer through the API server and publishes its keys
// through Redis; the server verifies offline. Every refusal is invalid_client with its own description.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import type { OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { API_GROUP, API_VERSION, KIND, type OAuthClientSpec } from '../../src/api/types.ts';
import type { RunningController } from '../../src/controller/index.ts';
import { describe as describeError, SA_BAD_SIGNATURE, SA_ISSUER_NOT_TRUSTED, SA_NOT_LISTED, SA_OTHER_NAMESPACE, SA_TOKEN_MALFORMED, SA_WRONG_AUDIENCE } from '../../src/server/errors/descriptions.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { controllerKubeconfig, createNamespace, kubectl, kubectlOk, startTestController, waitFor, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { oauthFailure } from '../support/rp.ts';
import { claimsOf, createToken, forgeToken, JWT_BEARER, serviceAccountAuth } from '../support/service-account-tokens.ts';

const run = promisify(execFile);
const AUDIENCE = 'https://orders.test';
/** The test control plane's --service-account-issuer. */
const CLUSTER_ISSUER = 'https://kubernetes.default.svc';
/** Another cluster's service-account issuer and its signing key. */
const EAST_ISSUER = 'https://east.clusters.example';
const east = generateKeyPairSync('rsa', { modulusLength: 2048 });
let trustedFile: string | undefined;

let server: TestServer;
let store: Store;
let controller: RunningController | undefined;
let shop: string;
let other: string;

const resource = (kind: string, name: string, spec: object) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind, metadata: { name }, spec });
const worker: OAuthClientSpec = { grantTypes: ['client_credentials'], serviceAccounts: ['orders-worker'], scopes: ['orders:read'], audiences: [AUDIENCE] };
/** Admits by ServiceAccount only: the OAuthClient is never named (issue 10's third kind of rule). */
const ordersApi = (namespace: string): OAuthAPISpec => ({
  audience: AUDIENCE,
  scopes: [{ name: 'orders:read', description: 'Read orders' }],
  access: [{ serviceAccounts: [{ namespace, name: 'orders-worker' }], scopes: ['orders:read'], flows: ['clientCredentials'] }],
});

/** openid-client for the worker, authenticating with `token`. */
const workerClient = (token: string) => oidc.discovery(new URL(server.issuer), `orders-worker.${shop}`, undefined, serviceAccountAuth(() => token), { execute: [oidc.allowInsecureRequests] });

beforeAll(async () => {
  [shop, other] = await Promise.all([createNamespace('shop'), createNamespace('other')]);
  const prefix = uniquePrefix('workload-identity');
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  // The chart's RBAC (deploy/), which grants the controller issuer discovery and nothing more of the cluster's.
  const kubeconfig = await controllerKubeconfig(shop);
  for (const [namespace, name] of [[shop, 'orders-worker'], [shop, 'unlisted'], [other, 'orders-worker']] as const) await kubectlOk(['create', 'serviceaccount', name, '-n', namespace]);
  await kubectlOk(['apply', '-n', shop, '-f', '-'], { input: [resource(KIND, 'orders-worker', worker), resource('OAuthAPI', 'orders', ordersApi(shop))].join('---\n') });
  // Another cluster's issuer, trusted with inline keys (the chart's workloadIdentity.trustedIssuers).
  trustedFile = join(await mkdtemp(join(tmpdir(), 'purser-trusted-')), 'issuers.yaml');
  await writeFile(trustedFile, stringify([{ issuer: EAST_ISSUER, jwks: { keys: [{ ...east.publicKey.export({ format: 'jwk' }), kid: 'east-1' }] } }]));
  controller = await startTestController({ kubeconfig, prefix, issuer: server.issuer, namespaces: [shop, other], flags: ['--service-account-issuer-refresh=1s', `--trusted-issuers-file=${trustedFile}`] });
  await waitForReady(shop, 'orders-worker');
  await waitFor('the cluster issuer keys in Redis', async () => (await store.workloadIssuers.get())?.issuers.map((issuer) => issuer.issuer).sort().join() === [CLUSTER_ISSUER, EAST_ISSUER].sort().join());
}, 90_000);

afterAll(async () => {
  await Promise.all([shop, other].filter(Boolean).map((namespace) => kubectl(['delete', 'oauthclients,oauthapis', '--all', '-n', namespace, '--wait=true', '--timeout=20s'])));
  await controller?.stop();
  await store?.close();
  await server?.close();
  if (trustedFile) await rm(dirname(trustedFile), { recursive: true, force: true });
});

describe('the chart RBAC', () => {
  it("lets the controller read issuer discovery through the API server, and it publishes exactly the cluster's JWKS (the server's own lack of a Kubernetes token: chart-render.test.ts)", async () => {
    const as = ['--as=system:serviceaccount:purser-system:purser-controller'];
    for (const url of ['/.well-known/openid-configuration', '/openid/v1/jwks']) expect((await kubectl(['auth', 'can-i', 'get', url, ...as])).stdout.trim()).toBe('yes');
    const record = await store.workloadIssuers.get();
    const jwks = JSON.parse(await kubectlOk(['get', '--raw', '/openid/v1/jwks'])) as { keys: unknown[] };
    expect(record!.issuers.find((issuer) => issuer.issuer === CLUSTER_ISSUER)!.keys).toEqual(jwks.keys);
  });
});

describe('a ServiceAccount listed by its OAuthClient (RFC 7523 §2.2)', () => {
  it('has no Secret: a client of ServiceAccounts alone has no client secret', async () => {
    const secret = await kubectl(['get', 'secret', 'orders-worker-oauth-client', '-n', shop]);
    expect(secret.code).not.toBe(0);
    expect((await store.clients.get(`orders-worker.${shop}`))!.secrets).toEqual([]);
  });

  it('gets an access token through openid-client with a TokenRequest token whose audience is the issuer; it verifies against the JWKS and names the client and the ServiceAccount', async () => {
    const token = await createToken(shop, 'orders-worker', { audience: server.issuer });
    const rp = await workerClient(token);
    const tokens = await oidc.clientCredentialsGrant(rp, { scope: 'orders:read', resource: AUDIENCE });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!)), { issuer: server.issuer, audience: AUDIENCE, typ: 'at+jwt' });
    expect(payload).toMatchObject({ client_id: `orders-worker.${shop}`, sub: `orders-worker.${shop}`, scope: 'orders:read', service_account: `system:serviceaccount:${shop}:orders-worker` });
    // RFC 7662 §2.1: authenticated by its ServiceAccount token, the client introspects its own token (it is no public client).
    expect(await oidc.tokenIntrospection(rp, tokens.access_token)).toMatchObject({ active: true, client_id: `orders-worker.${shop}`, service_account: `system:serviceaccount:${shop}:orders-worker` });
  });

  it('gets an access token with the README curl, the same token accepted again (no jti is demanded of it)', async () => {
    const token = await createToken(shop, 'orders-worker', { audience: server.issuer });
    const curl = () =>
      run('curl', ['-s', '-d', 'grant_type=client_credentials', '-d', `client_id=orders-worker.${shop}`, '-d', `client_assertion_type=${JWT_BEARER}`, '--data-urlencode', `client_assertion=${token}`, `${server.url}/token`]);
    for (const answer of [await curl(), await curl()]) {
      const body = JSON.parse(answer.stdout) as { access_token?: string; token_type?: string };
      expect(body.token_type, answer.stdout).toBe('Bearer');
      expect(claimsOf(body.access_token!)).toMatchObject({ aud: AUDIENCE, service_account: `system:serviceaccount:${shop}:orders-worker` });
    }
  });
});

describe('another cluster (PURSER_TRUSTED_ISSUERS_FILE, inline keys)', () => {
  it("accepts its issuer's token for a ServiceAccount of the same namespace name, and still only that one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: EAST_ISSUER, aud: [server.issuer], iat: now, nbf: now, exp: now + 600 };
    const listed = forgeToken({ ...claims, sub: `system:serviceaccount:${shop}:orders-worker` }, east.privateKey, 'east-1');
    const tokens = await oidc.clientCredentialsGrant(await workerClient(listed), { scope: 'orders:read', resource: AUDIENCE });
    expect(claimsOf(tokens.access_token)).toMatchObject({ client_id: `orders-worker.${shop}`, service_account: `system:serviceaccount:${shop}:orders-worker` });
    const unlisted = forgeToken({ ...claims, sub: `system:serviceaccount:${shop}:unlisted` }, east.privateKey, 'east-1');
    expect(await oauthFailure(oidc.clientCredentialsGrant(await workerClient(unlisted), { resource: AUDIENCE }))).toMatchObject({ status: 401, error: 'invalid_client', error_description: describeError(SA_NOT_LISTED, 'unlisted', 'orders-worker') });
  });
});

describe('refused as invalid_client (RFC 6749 §5.2), each with what to fix', () => {
  const refusal = async (token: string) => oauthFailure(oidc.clientCredentialsGrant(await workerClient(token), { resource: AUDIENCE }));

  it("another namespace's ServiceAccount of the same name", async () => {
    expect(await refusal(await createToken(other, 'orders-worker', { audience: server.issuer }))).toEqual({ status: 401, error: 'invalid_client', error_description: describeError(SA_OTHER_NAMESPACE, other, shop) });
  });

  it('a ServiceAccount of the namespace that the OAuthClient does not list', async () => {
    expect(await refusal(await createToken(shop, 'unlisted', { audience: server.issuer }))).toEqual({ status: 401, error: 'invalid_client', error_description: describeError(SA_NOT_LISTED, 'unlisted', 'orders-worker') });
  });

  it("a token for the API server's default audience, not Purser's", async () => {
    const token = await createToken(shop, 'orders-worker');
    expect(claimsOf(token).aud).toEqual([CLUSTER_ISSUER]);
    expect(await refusal(token)).toEqual({ status: 401, error: 'invalid_client', error_description: describeError(SA_WRONG_AUDIENCE, CLUSTER_ISSUER, server.issuer) });
  });

  it("a token with the cluster's issuer and claims, signed by another key", async () => {
    const claims = { ...claimsOf(await createToken(shop, 'orders-worker', { audience: server.issuer })) };
    expect(await refusal(forgeToken(claims))).toEqual({ status: 401, error: 'invalid_client', error_description: describeError(SA_BAD_SIGNATURE, CLUSTER_ISSUER) });
  });

  it("RFC 7523 §3.1: a client_assertion that is not a JWT, or a JWT Purser cannot read as a ServiceAccount token, gets Purser's description, not private_key_jwt wording", async () => {
    const cut = (await createToken(shop, 'orders-worker', { audience: server.issuer })).replace(/\.[^.]*$/, '.');
    const now = Math.floor(Date.now() / 1000);
    const someoneElse = forgeToken({ iss: CLUSTER_ISSUER, sub: 'someone', aud: [server.issuer], iat: now, exp: now + 600 });
    // Not a JWT ("invalid client_assertion format"), a ServiceAccount token without its signature, a JWT for another
    // subject (both "client_id mismatch" in oidc-provider's words).
    for (const token of ['not-a-jwt', cut, someoneElse]) {
      expect(await refusal(token)).toEqual({ status: 401, error: 'invalid_client', error_description: SA_TOKEN_MALFORMED });
    }
  });

  it('a token from a cluster issuer that is not trusted', async () => {
    const claims = { ...claimsOf(await createToken(shop, 'orders-worker', { audience: server.issuer })), iss: 'https://other-cluster.example' };
    expect(await refusal(forgeToken(claims))).toEqual({ status: 401, error: 'invalid_client', error_description: describeError(SA_ISSUER_NOT_TRUSTED, 'https://other-cluster.example') });
  });
});
