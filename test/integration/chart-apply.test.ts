// The chart against the run's real kube-apiserver: every object it renders (default and production values, CRD
// included) and deploy/ are accepted by `kubectl apply --dry-run=server`, in namespaces that warn on anything the
// "restricted" Pod Security Standard forbids; `helm install --dry-run=server` prints NOTES that say how to reach
// discovery and declare a first client; an upgrade keeps the bundled Redis' password.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { V1Secret } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';

import { CHART, findObject, helm, helmBinary, helmTemplate, parseManifests, PROVISION_TIMEOUT_MS, serviceMonitorCrd } from '../support/helm.ts';
import { createNamespace, kubectl, kubectlOk, waitFor } from '../support/kube.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const PRODUCTION = join(REPO, 'test/fixtures/chart/production-values.yaml');
const WATCHED = ['team-a', 'team-b']; // controller.namespaces of the production values
// A release name of its own: the controller tests apply deploy/'s cluster-wide RBAC (named purser-controller) for
// real, which helm would refuse to adopt and a dry run of release "purser" would collide with.
const RELEASE = 'purser-chart';

/** A namespace of its own where the API server warns about every pod template the restricted profile refuses. */
async function restrictedNamespace(): Promise<string> {
  const namespace = await createNamespace('chart');
  await kubectlOk(['label', 'namespace', namespace, 'pod-security.kubernetes.io/warn=restricted', 'pod-security.kubernetes.io/warn-version=latest']);
  return namespace;
}

/** Server-side apply, dry run: the API server validates and admits everything, and stores nothing. */
const dryRun = (args: string[], input?: string) => kubectl(['apply', '--server-side', '--dry-run=server', ...args], { input });

beforeAll(async () => {
  // The production values render ServiceMonitors: the API server needs their CRD, the real one, pinned.
  await kubectlOk(['apply', '--server-side', '-f', await serviceMonitorCrd()]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com']);
  const namespaces = [...WATCHED, 'purser-system'].map((name) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`).join('---\n');
  await kubectlOk(['apply', '--server-side', '-f', '-'], { input: namespaces });
  await helmBinary();
}, PROVISION_TIMEOUT_MS);

describe('kubectl apply --dry-run=server', () => {
  it.each([
    ['the default values', []],
    ['the production values', [PRODUCTION]],
  ])('accepts every object rendered with %s, without a warning', async (_, values) => {
    const namespace = await restrictedNamespace();
    const rendered = await helmTemplate({ release: RELEASE, namespace, values, includeCrds: true });
    const objects = parseManifests(rendered);
    const result = await dryRun(['-f', '-'], rendered);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const applied = result.stdout.trim().split('\n');
    expect(applied).toHaveLength(objects.length);
    for (const line of applied) expect(line).toMatch(/ serverside-applied \(server dry run\)$/);
  });

  it('reports a pod template the restricted profile refuses (the warning above has teeth)', async () => {
    const namespace = await restrictedNamespace();
    const rendered = await helmTemplate({ release: RELEASE, namespace, set: ['securityContext.allowPrivilegeEscalation=true'] });
    const result = await dryRun(['-f', '-'], rendered);
    expect(result.stderr).toContain('would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
  });

  it('accepts deploy/ as users apply it (kubectl apply -k deploy/)', async () => {
    const result = await kubectl(['apply', '--dry-run=server', '-k', join(REPO, 'deploy')]);
    expect(result.code).toBe(0);
    // Other test files create some of these objects for real (the CRD, the controller's RBAC), not all with
    // client-side apply: kubectl notes the missing last-applied annotation. Any other warning fails.
    expect(result.stderr.split('\n').filter((line) => line && !line.includes('kubectl.kubernetes.io/last-applied-configuration'))).toEqual([]);
    const applied = result.stdout.trim().split('\n').map((line) => line.replace(/ (created|configured|unchanged) \(server dry run\)$/, ''));
    expect(applied).toHaveLength(24);
    expect(applied).toContain('namespace/purser-system');
    // Workload identity: the controller reads service-account issuer discovery.
    expect(applied).toContain('clusterrole.rbac.authorization.k8s.io/purser-controller-issuer-discovery');
    expect(applied).toContain('clusterrolebinding.rbac.authorization.k8s.io/purser-controller-issuer-discovery');
    // The tenancy roles aggregated into edit, admin and view.
    expect(applied).toContain('clusterrole.rbac.authorization.k8s.io/purser-edit');
    expect(applied).toContain('clusterrole.rbac.authorization.k8s.io/purser-view');
    expect(applied).toContain('customresourcedefinition.apiextensions.k8s.io/oauthclients.purser.dev');
    expect(applied).toContain('customresourcedefinition.apiextensions.k8s.io/oauthapis.purser.dev');
    expect(applied).toContain('deployment.apps/purser-server');
    expect(applied).toContain('statefulset.apps/purser-redis');
  });
});

describe('helm against the API server', () => {
  const env = () => ({ KUBECONFIG: inject('kubeconfig') });

  it('helm install prints NOTES: port-forward and discovery, a first OAuthClient and its Secret, the bundled Redis warning', async () => {
    const namespace = await restrictedNamespace();
    const result = await helm(['install', RELEASE, CHART, '--namespace', namespace, '--dry-run=server'], env());
    expect(result.code).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain(`Purser 0.1.0 is installed in namespace ${namespace} with issuer http://${RELEASE}.${namespace}.svc`);
    expect(notes).toContain(`kubectl -n ${namespace} port-forward svc/${RELEASE} 4000:80\n  curl http://localhost:4000/.well-known/openid-configuration`);
    expect(notes).toContain('kind: OAuthClient');
    // The secret reaches curl through envFrom: never through a command line, an --env flag or the Pod spec.
    expect(notes).toContain('kind: OAuthAPI');
    expect(notes).toContain('envFrom: [{ secretRef: { name: orders-worker-oauth-client } }]');
    expect(notes).toContain(`'curl -s -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=orders:read "$token_endpoint"'`);
    expect(notes).not.toMatch(/--env|jsonpath='\{\.data\.client_secret\}'/);
    expect(notes).toContain('Server pods stay in ContainerCreating until the controller has created their signing keys');
    expect(notes).toContain('WARNING: the bundled Redis is for evaluation only');
  });

  it('with the production values, NOTES point at the Ingress and the watched namespaces, and give no Redis warning', async () => {
    const namespace = await restrictedNamespace();
    const result = await helm(['install', RELEASE, CHART, '--namespace', namespace, '--values', PRODUCTION, '--dry-run=server'], env());
    expect(result.code).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('curl https://auth.example.com/.well-known/openid-configuration');
    expect(notes).toContain('The controller only watches team-a, team-b (controller.namespaces): declare clients there.');
    expect(notes).not.toContain('WARNING');
    expect(notes).not.toContain('No users');
  });

  it('an upgrade keeps the bundled Redis password it finds in the cluster (lookup)', async () => {
    const namespace = await restrictedNamespace();
    await kubectlOk(['-n', namespace, 'create', 'secret', 'generic', 'purser-redis', '--from-literal=password=the-password-of-the-first-install']);
    const result = await helm(['template', 'purser', CHART, '--namespace', namespace, '--dry-run=server'], env());
    expect(result.code).toBe(0);
    const secret = findObject<V1Secret>(parseManifests(result.stdout), 'Secret', 'purser-redis');
    expect(Buffer.from(secret.data!.password!, 'base64').toString()).toBe('the-password-of-the-first-install');
  });
});

describe("the README's install walk-through", () => {
  it('declares manifests the API server accepts: the first OAuthAPI and OAuthClient, and the pod that fetches a token with envFrom', async () => {
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Install on Kubernetes'), readme.indexOf('## On Kubernetes: the OAuthClient controller'));
    const manifests = [...section.matchAll(/<<'YAML'\n([\s\S]*?)\nYAML\n/g)].map((match) => match[1]!);
    expect(manifests.map((manifest) => [...manifest.matchAll(/^kind: (\w+)$/gm)].map((match) => match[1]))).toEqual([['OAuthAPI', 'OAuthClient'], ['Pod']]);
    for (const manifest of manifests) {
      const result = await dryRun(['-f', '-'], manifest);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/serverside-applied \(server dry run\)/);
    }
    // The pod reads the keys the controller writes into every client Secret.
    expect(manifests[1]).toContain('"$client_id:$client_secret"');
    expect(manifests[1]).toContain('"$token_endpoint"');
  });
});

describe('the namespace policy on the API server (controller.namespaces set)', () => {
  it('refuses to create an OAuthClient outside the watched namespaces, naming them; allows one inside', async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const [watched, unwatched] = await Promise.all([createNamespace('vap-watched'), createNamespace('vap-unwatched')]);
    const release = `purser-vap-${suffix}`; // contains "purser": the fullname is the release name
    const objects = parseManifests(await helmTemplate({ release, namespace: 'purser-system', set: [`controller.namespaces={${watched}}`] }));
    const policy = findObject(objects, 'ValidatingAdmissionPolicy', `${release}-oauthclient-namespaces`);
    const binding = findObject<{ spec: Record<string, unknown> }>(objects, 'ValidatingAdmissionPolicyBinding', `${release}-oauthclient-namespaces`);
    // Other test files create OAuthClients at the same time, in namespaces of their own: bind the chart's policy to
    // this test's two namespaces only (a label), which changes nothing the policy itself decides.
    const label = `purser.dev/test-vap-${suffix}`;
    await Promise.all([watched, unwatched].map((namespace) => kubectlOk(['label', 'namespace', namespace, `${label}=on`])));
    const scoped = { ...binding, spec: { ...binding.spec, matchResources: { namespaceSelector: { matchLabels: { [label]: 'on' } } } } };
    await kubectlOk(['apply', '-f', '-'], { input: [policy, scoped].map((object) => JSON.stringify(object)).join('\n') });
    try {
      const oauthClient = (namespace: string, name: string) => JSON.stringify({ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { name, namespace }, spec: {} });
      // The API server takes a moment to load a new policy: until then the create goes through (and is deleted).
      let attempt = 0;
      const refusal = await waitFor('the policy in force', async () => {
        const result = await kubectl(['create', '-f', '-'], { input: oauthClient(unwatched, `elsewhere-${attempt++}`) });
        return result.code !== 0 && result.stderr;
      }, 20_000, 250);
      expect(refusal).toContain(`OAuthClients in namespace ${unwatched} are not served: the Purser controller of release purser-system/${release} watches only ${watched} (controller.namespaces)`);
      expect(refusal).toContain('Forbidden');
      expect((await kubectl(['create', '-f', '-'], { input: oauthClient(watched, 'here') })).code).toBe(0);
    } finally {
      await kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', `${release}-oauthclient-namespaces`]);
    }
  });
});
