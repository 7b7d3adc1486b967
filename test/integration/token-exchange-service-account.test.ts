// Token exchange (RFC 8693) of a Kubernetes ServiceAccount token (issue 15 with issue 14): a batch job's projected
// token from the real kube-apiserver (TokenRequest) reaches the gateway service, which exchanges it with openid-client's
// genericGrantRequest (subject_token_type jwt, §3) for a token for the inventory API that acts for the job's
// ServiceAccount and names the gateway in `act` (§4.1). The gateway itself authenticates with its own ServiceAccount
// token. The subject token is verified offline as a client assertion is (the controller publishes the issuers' keys
// through Redis); the inventory OAuthAPI's spec.delegation decides, by subjectServiceAccounts, which ServiceAccounts
// the gateway may act for and with which scopes. Every refusal is the §2.2.2 error with Purser's description.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import type { OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { API_GROUP, API_VERSION, KIND, TOKEN_EXCHANGE_GRANT, type OAuthClientSpec } from '../../src/api/types.ts';
import type { RunningController } from '../../src/controller/index.ts';
import * as text from '../../src/server/errors/descriptions.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { controllerKubeconfig, createNamespace, kubectl, kubectlOk, startTestController, waitFor, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { oauthFailure } from '../support/rp.ts';
import { claimsOf, createToken, forgeToken, serviceAccountAuth } from '../support/service-account-tokens.ts';
import { exchangeAudienceOf } from '../../src/server/grants/token-exchange/service-account-subject.ts';

const INVENTORY = 'https://inventory.test';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** The test control plane's --service-account-issuer. */
const CLUSTER_ISSUER = 'https://kubernetes.default.svc';
/** A trusted issuer whose key the test holds, to sign what a real API server never issues (an expired token). */
const EAST_ISSUER = 'https://east.clusters.example';
const east = generateKeyPairSync('rsa', { modulusLength: 2048 });

let server: TestServer;
/** The audience a ServiceAccount token is minted with to be exchanged (not the client-assertion audience). */
let exchangeAudience: string;
let store: Store;
let controller: RunningController | undefined;
let trustedFile: string | undefined;
/** The gateway's namespace (its OAuthClient and ServiceAccount), the batch jobs', and the inventory API's. */
let svc: string;
let jobs: string;
let inv: string;

const resource = (kind: string, name: string, spec: object) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind, metadata: { name }, spec });
/** Service A: authenticates with its own ServiceAccount token, may exchange tokens for the inventory API. */
const gateway: OAuthClientSpec = { grantTypes: [TOKEN_EXCHANGE_GRANT], serviceAccounts: ['gateway'], scopes: ['inventory:read', 'inventory:write'], audiences: [INVENTORY] };
/** The inventory API delegates jobs/batch's tokens to the gateway for inventory:read; users' tokens for inventory:write. */
const inventoryApi = (): OAuthAPISpec => ({
  audience: INVENTORY,
  scopes: [{ name: 'inventory:read' }, { name: 'inventory:write' }],
  accessToken: { format: 'jwt', ttl: '1h' },
  delegation: [
    { clients: [{ namespace: svc, name: 'gateway' }], subjectServiceAccounts: [{ namespace: jobs, name: 'batch' }], scopes: ['inventory:read'] },
    { clients: [{ namespace: svc, name: 'gateway' }], scopes: ['inventory:write'] },
  ],
});

/** openid-client as the gateway, authenticated by a fresh TokenRequest token of its own ServiceAccount. */
async function asGateway(): Promise<oidc.Configuration> {
  const own = await createToken(svc, 'gateway', { audience: server.issuer });
  return oidc.discovery(new URL(server.issuer), `gateway.${svc}`, undefined, serviceAccountAuth(() => own), { execute: [oidc.allowInsecureRequests] });
}

const exchange = async (subject: string, extra: Record<string, string> = {}) =>
  oidc.genericGrantRequest(await asGateway(), TOKEN_EXCHANGE_GRANT, { subject_token: subject, subject_token_type: JWT_TYPE, resource: INVENTORY, ...extra });
const saRefused = (description: string) => ({ status: 400, error: 'invalid_request', error_description: text.describe(text.EXCHANGE_SUBJECT_SA_REFUSED, description) });

beforeAll(async () => {
  [svc, jobs, inv] = await Promise.all([createNamespace('svc'), createNamespace('jobs'), createNamespace('inv')]);
  const prefix = uniquePrefix('token-exchange-sa');
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
  exchangeAudience = exchangeAudienceOf(server.issuer);
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  const kubeconfig = await controllerKubeconfig(svc);
  for (const [namespace, name] of [[svc, 'gateway'], [jobs, 'batch'], [jobs, 'other']] as const) await kubectlOk(['create', 'serviceaccount', name, '-n', namespace]);
  await kubectlOk(['apply', '-n', svc, '-f', '-'], { input: resource(KIND, 'gateway', gateway) });
  await kubectlOk(['apply', '-n', inv, '-f', '-'], { input: resource('OAuthAPI', 'inventory', inventoryApi()) });
  trustedFile = join(await mkdtemp(join(tmpdir(), 'purser-trusted-')), 'issuers.yaml');
  await writeFile(trustedFile, stringify([{ issuer: EAST_ISSUER, jwks: { keys: [{ ...east.publicKey.export({ format: 'jwk' }), kid: 'east-1' }] } }]));
  controller = await startTestController({ kubeconfig, prefix, issuer: server.issuer, namespaces: [svc, inv], flags: ['--service-account-issuer-refresh=1s', `--trusted-issuers-file=${trustedFile}`] });
  await waitFor('the issuer keys in Redis', async () => (await store.workloadIssuers.get())?.issuers.length === 2);
  await waitFor('the inventory delegation in Redis', async () => (await store.apis.get(INVENTORY))?.serviceAccountDelegation?.[`gateway.${svc}`]);
  // Delegated only by spec.delegation, the gateway is admitted to the audience: its OAuthClient is Ready.
  await waitForReady(svc, 'gateway');
}, 90_000);

afterAll(async () => {
  await Promise.all([svc, inv].filter(Boolean).map((namespace) => kubectl(['delete', 'oauthclients,oauthapis', '--all', '-n', namespace, '--wait=true', '--timeout=20s'])));
  await controller?.stop();
  await store?.close();
  await server?.close();
  if (trustedFile) await rm(dirname(trustedFile), { recursive: true, force: true });
});

describe('the OAuthAPI (through the controller)', () => {
  it("lists in status.admittedClients the ServiceAccounts whose tokens the gateway may exchange, and the scopes", async () => {
    const admitted = await waitFor('the gateway in the status', async () => {
      const { stdout } = await kubectl(['get', 'oauthapi', 'inventory', '-n', inv, '-o', 'jsonpath={.status.admittedClients}']);
      return stdout ? (JSON.parse(stdout) as Array<Record<string, unknown>>) : undefined;
    });
    expect(admitted).toEqual([{ namespace: svc, name: 'gateway', clientId: `gateway.${svc}`, userDelegated: [], clientCredentials: [], delegated: ['inventory:write'], delegatedServiceAccounts: [{ namespace: jobs, name: 'batch', scopes: ['inventory:read'] }] }]);
  });
});

describe('RFC 8693 §2.1 subject_token_type jwt: a ServiceAccount token', () => {
  it('§2.2.1, §4.1: a TokenRequest token of jobs/batch becomes a token for the inventory API acting for the ServiceAccount, with the gateway in act, never outliving the subject token (§5)', async () => {
    const subject = await createToken(jobs, 'batch', { audience: exchangeAudience, duration: '10m' });
    const answer = await exchange(subject);
    expect(answer).toMatchObject({ issued_token_type: ACCESS_TYPE, token_type: 'bearer', scope: 'inventory:read' });
    expect(answer.refresh_token).toBeUndefined();
    const rp = await asGateway();
    const { payload } = await jwtVerify(answer.access_token, createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!)), { issuer: server.issuer, audience: INVENTORY, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: `system:serviceaccount:${jobs}:batch`, client_id: `gateway.${svc}`, act: { sub: `gateway.${svc}` }, scope: 'inventory:read' });
    // The OAuthAPI's ttl is an hour; the ServiceAccount token lives ten minutes.
    expect(payload.exp!).toBeLessThanOrEqual(claimsOf(subject).exp as number);
    // RFC 7662: introspection answers the same subject and actor.
    expect(await oidc.tokenIntrospection(rp, answer.access_token)).toMatchObject({ active: true, sub: `system:serviceaccount:${jobs}:batch`, act: { sub: `gateway.${svc}` } });
  });

  it('§3: the same token again (a projected token is presented for its whole life, as a client assertion is)', async () => {
    const subject = await createToken(jobs, 'batch', { audience: exchangeAudience });
    for (const answer of [await exchange(subject), await exchange(subject, { scope: 'inventory:read' })]) expect(claimsOf(answer.access_token)).toMatchObject({ sub: `system:serviceaccount:${jobs}:batch` });
  });
});

describe('RFC 8693 §4.1: the exchanged token exchanged again, as an access token', () => {
  it("acts for the ServiceAccount still (no user has such a name), within the scopes it carries, the actors nested", async () => {
    const first = await exchange(await createToken(jobs, 'batch', { audience: exchangeAudience }));
    const again = await oidc.genericGrantRequest(await asGateway(), TOKEN_EXCHANGE_GRANT, { subject_token: first.access_token, subject_token_type: ACCESS_TYPE, resource: INVENTORY });
    expect(claimsOf(again.access_token)).toMatchObject({ sub: `system:serviceaccount:${jobs}:batch`, scope: 'inventory:read', act: { sub: `gateway.${svc}`, act: { sub: `gateway.${svc}` } } });
  });
});

describe('RFC 8693 §2.2.2: refused, each with what to fix', () => {
  it("invalid_request: a token for the API server's default audience, not Purser's", async () => {
    const subject = await createToken(jobs, 'batch');
    expect(await oauthFailure(exchange(subject))).toEqual(saRefused(text.describe(text.SA_WRONG_AUDIENCE, CLUSTER_ISSUER, exchangeAudience)));
  });

  it("invalid_request: a token with the client-assertion audience (Purser's issuer), which the workload keeps to authenticate as its own client", async () => {
    const subject = await createToken(jobs, 'batch', { audience: server.issuer });
    expect(await oauthFailure(exchange(subject))).toEqual(saRefused(text.describe(text.SA_WRONG_AUDIENCE, server.issuer, exchangeAudience)));
  });

  it('invalid_request: a token of an issuer that is not trusted', async () => {
    const claims = { ...claimsOf(await createToken(jobs, 'batch', { audience: exchangeAudience })), iss: 'https://other-cluster.example' };
    expect(await oauthFailure(exchange(forgeToken(claims)))).toEqual(saRefused(text.describe(text.SA_ISSUER_NOT_TRUSTED, 'https://other-cluster.example')));
  });

  it("invalid_request: the cluster's issuer and claims, signed by another key", async () => {
    const claims = claimsOf(await createToken(jobs, 'batch', { audience: exchangeAudience }));
    expect(await oauthFailure(exchange(forgeToken(claims)))).toEqual(saRefused(text.describe(text.SA_BAD_SIGNATURE, CLUSTER_ISSUER)));
  });

  it('invalid_request: a token expired within the leeway (a client assertion would still pass; a token that may not outlive it cannot be issued)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = forgeToken({ iss: EAST_ISSUER, sub: `system:serviceaccount:${jobs}:batch`, aud: [exchangeAudience], iat: now - 600, nbf: now - 600, exp: now - 2 }, east.privateKey, 'east-1');
    expect(await oauthFailure(exchange(expired))).toEqual(saRefused(text.describe(text.SA_TOKEN_EXPIRED, new Date((now - 2) * 1000).toISOString())));
  });

  it('invalid_request: an expired token of a trusted issuer (beyond the leeway)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = forgeToken({ iss: EAST_ISSUER, sub: `system:serviceaccount:${jobs}:batch`, aud: [exchangeAudience], iat: now - 700, nbf: now - 700, exp: now - 100 }, east.privateKey, 'east-1');
    expect(await oauthFailure(exchange(expired))).toEqual(saRefused(text.describe(text.SA_TOKEN_EXPIRED, new Date((now - 100) * 1000).toISOString())));
  });

  it('invalid_request: a JWT whose sub is no ServiceAccount', async () => {
    const claims = { ...claimsOf(await createToken(jobs, 'batch', { audience: exchangeAudience })), sub: 'alice' };
    expect(await oauthFailure(exchange(forgeToken(claims)))).toEqual({ status: 400, error: 'invalid_request', error_description: text.EXCHANGE_SUBJECT_NOT_SERVICE_ACCOUNT });
  });

  it("invalid_request: a token this server issued for the ServiceAccount, sent as jwt (it is no ServiceAccount token: Purser is not a trusted ServiceAccount issuer)", async () => {
    const issued = await exchange(await createToken(jobs, 'batch', { audience: exchangeAudience }));
    expect(await oauthFailure(exchange(issued.access_token))).toEqual(saRefused(text.describe(text.SA_ISSUER_NOT_TRUSTED, server.issuer)));
  });

  it('invalid_target: a ServiceAccount no delegation entry lists for the gateway', async () => {
    const subject = await createToken(jobs, 'other', { audience: exchangeAudience });
    expect(await oauthFailure(exchange(subject))).toEqual({ status: 400, error: 'invalid_target', error_description: text.describe(text.EXCHANGE_SA_NOT_DELEGATED, `${inv}/inventory`, `gateway.${svc}`, `${jobs}/other`, INVENTORY) });
  });

  it("invalid_scope: a scope delegated for users' tokens only, not for the ServiceAccount", async () => {
    const subject = await createToken(jobs, 'batch', { audience: exchangeAudience });
    expect(await oauthFailure(exchange(subject, { scope: 'inventory:write' }))).toMatchObject({
      status: 400,
      error: 'invalid_scope',
      error_description: text.describe(text.EXCHANGE_SCOPE_NOT_DELEGATED, `${inv}/inventory`, `gateway.${svc}`, 'inventory:read', INVENTORY, 'inventory:write'),
    });
  });
});
