// A PURSER_CLIENT_ID_PATTERNS entry lets a namespace use ids outside its own; its `*` must not reach into another
// namespace's `<name>.<namespace>` ids. With the chart's own example `*=legacy-*` (any namespace may use legacy-…
// ids), team-b asks for `legacy-web.<team-a>`, the default id of team-a's OAuthClient legacy-web, before team-a
// makes it: the real controller, kube-apiserver and Redis must refuse team-b and give the id to team-a.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import { API_GROUP, API_VERSION, KIND, type OAuthClientSpec } from '../../src/api/types.ts';
import type { RunningController } from '../../src/controller/index.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { controllerKubeconfig, createNamespace, kubectl, kubectlOk, readyOf, startTestController, waitForReady } from '../support/kube.ts';
import { uniquePrefix } from '../support/redis.ts';
import { REDIRECT_URI } from '../support/rp.ts';

let store: Store;
let controller: RunningController | undefined;
let teamA: string;
let teamB: string;

const app = (name: string, clientId?: string) =>
  stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name }, spec: { public: true, redirectUris: [REDIRECT_URI], scopes: ['openid'], ...(clientId ? { clientId } : {}) } satisfies OAuthClientSpec });
const apply = (namespace: string, manifest: string) => kubectlOk(['apply', '-n', namespace, '-f', '-'], { input: manifest });

beforeAll(async () => {
  teamA = await createNamespace('patterns-a');
  teamB = await createNamespace('patterns-b');
  const prefix = uniquePrefix('tenancy-patterns');
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  const kubeconfig = await controllerKubeconfig(teamA);
  controller = await startTestController({ kubeconfig, prefix, issuer: 'https://purser.test', namespaces: [teamA, teamB], flags: ['--client-id-patterns=*=legacy-*'] });
}, 60_000);

afterAll(async () => {
  await Promise.all([teamA, teamB].filter(Boolean).map((namespace) => kubectl(['delete', 'oauthclients', '--all', '-n', namespace, '--wait=true', '--timeout=20s'])));
  await controller?.stop();
  await store?.close();
});

describe('PURSER_CLIENT_ID_PATTERNS *=legacy-*', () => {
  it('lets team-b use legacy-b, an id outside every namespace', async () => {
    await apply(teamB, app('mine', 'legacy-b'));
    expect((await waitForReady(teamB, 'mine')).status?.clientId).toBe('legacy-b');
  });

  it("does not let team-b take legacy-web.<team-a>, team-a's default id, before team-a asks for it", async () => {
    await apply(teamB, app('squat', `legacy-web.${teamA}`));
    const refused = await waitForReady(teamB, 'squat', 'False', 'ClientIdNotAllowed');
    expect(readyOf(refused)!.message).toContain(`client_id "legacy-web.${teamA}"`);
    await apply(teamA, app('legacy-web'));
    expect((await waitForReady(teamA, 'legacy-web')).status?.clientId).toBe(`legacy-web.${teamA}`);
    expect((await store.clients.get(`legacy-web.${teamA}`))?.owner).toBe(`${teamA}/legacy-web`);
  });
});
