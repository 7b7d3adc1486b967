// charts/purser rendered by the pinned helm, object by object, with the default values (an evaluation install) and
// with test/fixtures/chart/production-values.yaml: which objects exist, probes, security contexts, the keys mount,
// RBAC equal to the calls the controller makes, Redis, and how the server is scaled and exposed.
import { join } from 'node:path';

import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Container,
  V1Ingress,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
  V1Deployment,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { CHART, containerOf, envOf, findObject, helm, helmTemplate, objectsOf, parseManifests, podSpecOf, PROVISION_TIMEOUT_MS, type Manifest } from '../support/helm.ts';

const PRODUCTION = join(new URL('../../', import.meta.url).pathname, 'test/fixtures/chart/production-values.yaml');

const selector = (component: string) => ({ 'app.kubernetes.io/name': 'purser', 'app.kubernetes.io/instance': 'purser', 'app.kubernetes.io/component': component });

let defaults: Manifest[];
let production: Manifest[];

const render = async (namespace: string, options: { values?: string[]; set?: string[] } = {}) => parseManifests(await helmTemplate({ namespace, ...options }));

beforeAll(async () => {
  [defaults, production] = await Promise.all([render('purser-system'), render('auth', { values: [PRODUCTION] })]);
}, PROVISION_TIMEOUT_MS);

const ids = (objects: Manifest[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '(cluster)'}/${o.metadata.name}`).sort();
const workloads = (objects: Manifest[]) => [...objectsOf<V1Deployment>(objects, 'Deployment'), ...objectsOf<V1StatefulSet>(objects, 'StatefulSet')];

describe('objects', () => {
  it('the default values render an evaluation install: server, controller, bundled Redis with a generated password', () => {
    expect(ids(defaults)).toEqual([
      'ClusterRole (cluster)/purser-controller',
      'ClusterRole (cluster)/purser-controller-issuer-discovery',
      'ClusterRole (cluster)/purser-controller-namespaces',
      'ClusterRole (cluster)/purser-edit',
      'ClusterRole (cluster)/purser-view',
      'ClusterRoleBinding (cluster)/purser-controller',
      'ClusterRoleBinding (cluster)/purser-controller-issuer-discovery',
      'ClusterRoleBinding (cluster)/purser-controller-namespaces',
      'Deployment purser-system/purser-controller',
      'Deployment purser-system/purser-server',
      'PodDisruptionBudget purser-system/purser-controller',
      'PodDisruptionBudget purser-system/purser-server',
      'Role purser-system/purser-controller-leader-election',
      'RoleBinding purser-system/purser-controller-leader-election',
      'Secret purser-system/purser-redis',
      'Service purser-system/purser',
      'Service purser-system/purser-controller-metrics',
      'Service purser-system/purser-redis',
      'Service purser-system/purser-server-metrics',
      'ServiceAccount purser-system/purser-controller',
      'ServiceAccount purser-system/purser-server',
      'StatefulSet purser-system/purser-redis',
    ]);
  });

  it('the production values render no Redis, and add autoscaling, Ingress, NetworkPolicies, ServiceMonitors and per-namespace RBAC', () => {
    expect(ids(production)).toEqual([
      'ClusterRole (cluster)/purser-controller',
      'ClusterRole (cluster)/purser-controller-issuer-discovery',
      'ClusterRole (cluster)/purser-controller-namespaces',
      'ClusterRole (cluster)/purser-edit',
      'ClusterRole (cluster)/purser-view',
      'ClusterRoleBinding (cluster)/purser-controller-issuer-discovery',
      'ClusterRoleBinding (cluster)/purser-controller-namespaces',
      'ConfigMap auth/purser-trusted-issuers',
      'Deployment auth/purser-controller',
      'Deployment auth/purser-server',
      'HorizontalPodAutoscaler auth/purser-server',
      'Ingress auth/purser',
      'NetworkPolicy auth/purser-controller',
      'NetworkPolicy auth/purser-server',
      'PodDisruptionBudget auth/purser-controller',
      'PodDisruptionBudget auth/purser-server',
      'Role auth/purser-controller-leader-election',
      'RoleBinding auth/purser-controller',
      'RoleBinding auth/purser-controller-leader-election',
      'RoleBinding team-a/purser-controller',
      'RoleBinding team-b/purser-controller',
      'Service auth/purser',
      'Service auth/purser-controller-metrics',
      'Service auth/purser-server-metrics',
      'ServiceAccount auth/purser-controller',
      'ServiceAccount auth/purser-server',
      'ServiceMonitor auth/purser-controller',
      'ServiceMonitor auth/purser-server',
      'ValidatingAdmissionPolicy (cluster)/purser-oauthclient-namespaces',
      'ValidatingAdmissionPolicyBinding (cluster)/purser-oauthclient-namespaces',
    ]);
  });

  it('a long release name still makes valid names: Services are DNS labels, StatefulSet names leave room for a revision hash', async () => {
    const release = `purser-${'x'.repeat(46)}`; // 53 characters, the longest release name helm accepts
    const objects = parseManifests(await helmTemplate({ release, namespace: 'purser-system' }));
    for (const service of objectsOf<V1Service>(objects, 'Service')) expect(service.metadata!.name!.length, service.metadata!.name).toBeLessThanOrEqual(63);
    for (const statefulSet of objectsOf<V1StatefulSet>(objects, 'StatefulSet')) expect(statefulSet.metadata!.name!.length).toBeLessThanOrEqual(52);
    expect(findObject<V1Service>(objects, 'Service', `${release.slice(0, 44)}-controller-metrics`).spec!.ports![0]!.name).toBe('metrics');
  });

  it('every workload runs the image of the chart\'s appVersion, or image.tag', () => {
    expect(containerOf(defaults, 'Deployment', 'purser-server').image).toBe('ghcr.io/purser-dev/purser:0.1.0');
    expect(containerOf(defaults, 'Deployment', 'purser-controller').image).toBe('ghcr.io/purser-dev/purser:0.1.0');
    expect(containerOf(defaults, 'StatefulSet', 'purser-redis').image).toBe('redis:7.4-alpine');
    expect(containerOf(defaults, 'Deployment', 'purser-server').args).toEqual(['server']);
    expect(containerOf(defaults, 'Deployment', 'purser-controller').args).toEqual(['controller']);
    expect(containerOf(production, 'Deployment', 'purser-server').imagePullPolicy).toBe('Always');
    expect(podSpecOf(production, 'Deployment', 'purser-controller').imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
  });
});

describe('probes and ports', () => {
  it.each([['default', () => defaults], ['production', () => production]])('server (%s values): /healthz for liveness, /readyz (Redis answers) for readiness, on http (4000)', (_, objects) => {
    const server = containerOf(objects(), 'Deployment', 'purser-server');
    expect(server.ports).toEqual([{ name: 'http', containerPort: 4000 }, { name: 'metrics', containerPort: 9090 }]);
    expect(server.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 });
    // The process waits for Redis before it listens (src/store/redis/catalog.ts): two minutes before liveness counts.
    expect(server.startupProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 60 });
    expect(server.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, timeoutSeconds: 3, periodSeconds: 5, failureThreshold: 2 });
    // The ports the server is told to listen on are the ones the probes and the Service use.
    expect(envOf(server)).toMatchObject({ PURSER_PORT: '4000', PURSER_METRICS_PORT: '9090' });
  });

  it('server: a terminating pod keeps serving for 5 s (preStop), while its removal from the endpoints reaches kube-proxy and the ingress controller', () => {
    // On SIGTERM the server stops accepting connections at once; without the pause, requests still routed to the pod
    // (a token POST is not retried by an ingress controller) fail during every rollout, scale-down and node drain.
    for (const objects of [defaults, production]) {
      const server = containerOf(objects, 'Deployment', 'purser-server');
      expect(server.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
      expect(podSpecOf(objects, 'Deployment', 'purser-server').terminationGracePeriodSeconds).toBeUndefined(); // 30 s: 5 s pause, then the shutdown
    }
  });

  it.each([['default', () => defaults], ['production', () => production]])('controller (%s values): /healthz and /readyz (caches synced) on 8081, which also serves /metrics', (_, objects) => {
    const controller = containerOf(objects(), 'Deployment', 'purser-controller');
    expect(controller.ports).toEqual([{ name: 'metrics', containerPort: 8081 }]);
    expect(controller.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10, failureThreshold: 3 });
    expect(controller.startupProbe).toEqual({ httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 2, failureThreshold: 60 });
    expect(controller.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5, failureThreshold: 2 });
    expect(envOf(controller)).toMatchObject({ PURSER_CONTROLLER_PORT: '8081' });
  });

  it('bundled Redis: redis-cli ping, with the password from REDISCLI_AUTH; liveness tolerates LOADING', () => {
    const redis = containerOf(defaults, 'StatefulSet', 'purser-redis');
    expect(redis.ports).toEqual([{ name: 'redis', containerPort: 6379 }]);
    expect(redis.readinessProbe).toEqual({ exec: { command: ['sh', '-c', 'redis-cli ping | grep -q PONG'] }, periodSeconds: 5 });
    expect(redis.livenessProbe).toEqual({ exec: { command: ['sh', '-c', "redis-cli ping | grep -qE 'PONG|LOADING'"] }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 });
  });

  it('the server Service sends port 80 to http and nothing else; metrics have ClusterIP Services of their own', () => {
    const server = findObject<V1Service>(defaults, 'Service', 'purser');
    expect(server.spec).toEqual({ type: 'ClusterIP', selector: selector('server'), ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    const serverMetrics = findObject<V1Service>(defaults, 'Service', 'purser-server-metrics');
    expect(serverMetrics.spec).toEqual({ type: 'ClusterIP', selector: selector('server'), ports: [{ name: 'metrics', port: 9090, targetPort: 'metrics' }] });
    const controller = findObject<V1Service>(defaults, 'Service', 'purser-controller-metrics');
    expect(controller.spec).toEqual({ type: 'ClusterIP', selector: selector('controller'), ports: [{ name: 'metrics', port: 8081, targetPort: 'metrics' }] });
  });

  it('a LoadBalancer or NodePort server Service publishes http only: client_id-labelled metrics stay inside the cluster', async () => {
    for (const type of ['LoadBalancer', 'NodePort']) {
      const objects = await render('purser-system', { set: [`server.service.type=${type}`] });
      const exposed = objectsOf<V1Service>(objects, 'Service').filter((service) => service.spec!.type === type);
      expect(exposed.map((service) => [service.metadata!.name, service.spec!.ports!.map((port) => port.name)])).toEqual([['purser', ['http']]]);
    }
  });
});

describe('security', () => {
  const CONTAINER = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const POD = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } };
  // The redis image's user is uid 999 in gid 1000; fsGroup lets it write the data volume.
  const REDIS_POD = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } };

  it('every container: non-root, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const containers: V1Container[] = workloads([...defaults, ...production]).flatMap((workload) => {
      const pod = workload.spec!.template.spec!;
      return [...pod.containers, ...(pod.initContainers ?? [])];
    });
    expect(containers.map((c) => c.name).sort()).toEqual(['controller', 'controller', 'redis', 'server', 'server']);
    for (const container of containers) expect(container.securityContext, container.name).toEqual(CONTAINER);
  });

  it('pod security contexts: uid/gid 1000 for Purser, the redis user for Redis', () => {
    for (const objects of [defaults, production]) {
      expect(podSpecOf(objects, 'Deployment', 'purser-server').securityContext).toEqual(POD);
      expect(podSpecOf(objects, 'Deployment', 'purser-controller').securityContext).toEqual(POD);
    }
    expect(podSpecOf(defaults, 'StatefulSet', 'purser-redis').securityContext).toEqual(REDIS_POD);
  });

  it('with the root filesystem read-only, the only writable mounts are /tmp (an emptyDir) and the Redis data volume', () => {
    const writable = workloads([...defaults, ...production]).flatMap((workload) => {
      const pod = workload.spec!.template.spec!;
      return pod.containers.flatMap((container) => (container.volumeMounts ?? []).filter((mount) => !mount.readOnly).map((mount) => {
        const volume = pod.volumes?.find((v) => v.name === mount.name);
        return `${workload.metadata!.name} ${mount.mountPath} ${volume ? Object.keys(volume).filter((key) => key !== 'name').join() : 'volumeClaimTemplate'}`;
      }));
    });
    expect(writable.sort()).toEqual([
      'purser-controller /tmp emptyDir',
      'purser-controller /tmp emptyDir',
      'purser-redis /data volumeClaimTemplate',
      'purser-server /tmp emptyDir',
      'purser-server /tmp emptyDir',
    ]);
  });

  it('the server has no Kubernetes API token; no pod gets service-link variables (a Service "purser" would set PURSER_PORT)', () => {
    for (const objects of [defaults, production]) {
      expect(podSpecOf(objects, 'Deployment', 'purser-server').automountServiceAccountToken).toBe(false);
      expect(findObject<V1ServiceAccount>(objects, 'ServiceAccount', 'purser-server').automountServiceAccountToken).toBe(false);
      expect(podSpecOf(objects, 'Deployment', 'purser-server').serviceAccountName).toBe('purser-server');
      expect(podSpecOf(objects, 'Deployment', 'purser-controller').serviceAccountName).toBe('purser-controller');
      for (const workload of workloads(objects)) expect(workload.spec!.template.spec!.enableServiceLinks, workload.metadata!.name).toBe(false);
    }
    expect(podSpecOf(defaults, 'StatefulSet', 'purser-redis').automountServiceAccountToken).toBe(false);
  });

  it('the controller needs disk for nothing but /tmp and is sized for a full sync of 2000 clients, its V8 heap within the limit', () => {
    const controller = containerOf(defaults, 'Deployment', 'purser-controller');
    expect(controller.resources).toEqual({ requests: { cpu: '50m', memory: '192Mi' }, limits: { memory: '256Mi' } });
    // Half the limit for the old space: the rest is code, the young generation and native memory (bench/controller-sync).
    expect(envOf(controller)).toMatchObject({ NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=1', MALLOC_ARENA_MAX: '2' });
    expect(controller.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'redis-auth', mountPath: '/etc/purser/redis', readOnly: true },
    ]);
  });
});

describe('signing and cookie keys', () => {
  it('the server mounts the controller-managed Secret as a whole directory (no subPath, so rotations reach it)', () => {
    const pod = podSpecOf(defaults, 'Deployment', 'purser-server');
    expect(pod.volumes!.find((v) => v.name === 'keys')).toEqual({ name: 'keys', secret: { secretName: 'purser-keys' } });
    const server = containerOf(defaults, 'Deployment', 'purser-server');
    expect(server.volumeMounts!.find((m) => m.name === 'keys')).toEqual({ name: 'keys', mountPath: '/etc/purser/keys', readOnly: true });
    expect(envOf(server)).toMatchObject({ PURSER_JWKS_FILE: '/etc/purser/keys/jwks.json', PURSER_COOKIE_KEYS_FILE: '/etc/purser/keys/cookie-keys', PURSER_KEYS_RELOAD_INTERVAL: '10s' });
    for (const workload of workloads([...defaults, ...production])) {
      for (const mount of workload.spec!.template.spec!.containers.flatMap((c) => c.volumeMounts ?? [])) expect(mount.subPath, mount.name).toBeUndefined();
    }
  });

  it('the controller manages that Secret in its own namespace; the chart renders none', () => {
    const controller = containerOf(defaults, 'Deployment', 'purser-controller');
    expect(envOf(controller)).toMatchObject({
      PURSER_MANAGE_KEYS: 'true',
      PURSER_KEYS_SECRET: 'purser-keys',
      PURSER_LEASE_NAMESPACE: 'purser-system',
      PURSER_SIGNING_KEY_ROTATION_PERIOD: '30d',
      PURSER_SIGNING_KEY_RETENTION: '1d',
      PURSER_KEYS_PROPAGATION_DELAY: '5m',
    });
    expect(controller.env!.find((v) => v.name === 'POD_NAMESPACE')).toEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(defaults.filter((o) => o.metadata.name === 'purser-keys')).toEqual([]);
  });

  it('signingKeys.existingSecret: the server mounts it and the controller manages no keys', async () => {
    const objects = await render('purser-system', { set: ['signingKeys.existingSecret=our-keys'] });
    expect(podSpecOf(objects, 'Deployment', 'purser-server').volumes!.find((v) => v.name === 'keys')).toEqual({ name: 'keys', secret: { secretName: 'our-keys' } });
    expect(envOf(containerOf(objects, 'Deployment', 'purser-controller'))).toMatchObject({ PURSER_MANAGE_KEYS: 'false', PURSER_KEYS_SECRET: 'our-keys' });
  });
});

describe('controller RBAC', () => {
  // Exactly what src/controller makes calls for (every call goes through src/controller/kube.ts).
  const CLUSTER_RULES: V1PolicyRule[] = [
    // informers.ts lists and watches OAuthClients; reconcile/finalizer.ts adds and removes the finalizer (patchClient).
    { apiGroups: ['purser.dev'], resources: ['oauthclients'], verbs: ['get', 'list', 'watch', 'patch'] },
    // reconcile/status.ts: patchClientStatus.
    { apiGroups: ['purser.dev'], resources: ['oauthclients/status'], verbs: ['patch'] },
    // informers.ts lists and watches OAuthAPIs; reconcile-api/ patches their finalizer and their status.
    { apiGroups: ['purser.dev'], resources: ['oauthapis'], verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: ['purser.dev'], resources: ['oauthapis/status'], verbs: ['patch'] },
    // reconcile/secret.ts creates Secrets owned by their OAuthClient with blockOwnerDeletion, which the API server
    // allows only to whoever may update the owner's finalizers.
    { apiGroups: ['purser.dev'], resources: ['oauthclients/finalizers'], verbs: ['update'] },
    // informers.ts watches client Secrets by label; reconcile/secret.ts reads, creates and patches them;
    // reconcile/cleanup.ts deletes them; keys/reconcile.ts reads, creates and patches the keys Secret.
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    // events.ts: createEvent.
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ];
  const LEADER_ELECTION_RULES: V1PolicyRule[] = [
    // leader-election.ts: createLease when there is none yet (resourceNames cannot restrict create).
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    // leader-election.ts: readLease and replaceLease of the Lease whose name is fixed in the code.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['purser-controller'], verbs: ['get', 'update'] },
  ];
  const subjects = (namespace: string) => [{ kind: 'ServiceAccount', name: 'purser-controller', namespace }];

  it('the ClusterRole and the leader-election Role grant exactly what the controller calls', () => {
    for (const objects of [defaults, production]) {
      expect(findObject<V1ClusterRole>(objects, 'ClusterRole', 'purser-controller').rules).toEqual(CLUSTER_RULES);
      expect(findObject<V1Role>(objects, 'Role', 'purser-controller-leader-election').rules).toEqual(LEADER_ELECTION_RULES);
    }
    expect(findObject<V1RoleBinding>(defaults, 'RoleBinding', 'purser-controller-leader-election')).toMatchObject({
      metadata: { namespace: 'purser-system' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'purser-controller-leader-election' },
      subjects: subjects('purser-system'),
    });
  });

  it('Namespaces are only read: get, list and watch for the labels an OAuthAPI namespaceSelector matches', () => {
    for (const objects of [defaults, production]) {
      expect(findObject<V1ClusterRole>(objects, 'ClusterRole', 'purser-controller-namespaces').rules).toEqual([{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }]);
    }
  });

  it('watching every namespace: one ClusterRoleBinding to the controller\'s ServiceAccount', () => {
    const binding = findObject<V1ClusterRoleBinding>(defaults, 'ClusterRoleBinding', 'purser-controller');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'purser-controller' });
    expect(binding.subjects).toEqual(subjects('purser-system'));
    expect(defaults.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.name)).toEqual(['purser-controller-leader-election']);
  });

  it('controller.namespaces: the same rules bound in each watched namespace and in the release namespace (keys Secret), nowhere else', () => {
    // Only the namespace reader and issuer discovery are cluster-wide: Namespaces are cluster-scoped (their labels feed
    // namespaceSelector), issuer discovery is two non-resource URLs.
    expect(production.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.metadata.name).sort()).toEqual(['purser-controller-issuer-discovery', 'purser-controller-namespaces']);
    const bindings = objectsOf<V1RoleBinding>(production, 'RoleBinding').filter((b) => b.metadata!.name === 'purser-controller');
    expect(bindings.map((b) => b.metadata!.namespace).sort()).toEqual(['auth', 'team-a', 'team-b']);
    for (const binding of bindings) {
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'purser-controller' });
      expect(binding.subjects).toEqual(subjects('auth'));
    }
    expect(envOf(containerOf(production, 'Deployment', 'purser-controller')).PURSER_NAMESPACES).toBe('team-a,team-b');
  });

  it('workload identity: the controller may get the two issuer discovery URLs, nothing else; trusted issuers reach it as a mounted file', async () => {
    const role = findObject<V1ClusterRole>(defaults, 'ClusterRole', 'purser-controller-issuer-discovery');
    expect(role.rules).toEqual([{ nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] }]);
    expect(findObject<V1ClusterRoleBinding>(defaults, 'ClusterRoleBinding', 'purser-controller-issuer-discovery').subjects).toEqual(subjects('purser-system'));
    expect(defaults.some((o) => o.kind === 'ConfigMap')).toBe(false);
    const issuers = findObject<{ data: Record<string, string> }>(production, 'ConfigMap', 'purser-trusted-issuers');
    expect(parse(issuers.data['issuers.yaml']!)).toEqual([{ issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE', jwksUri: 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE/keys' }]);
    const controller = containerOf(production, 'Deployment', 'purser-controller');
    expect(controller.volumeMounts).toContainEqual({ name: 'trusted-issuers', mountPath: '/etc/purser/trusted-issuers', readOnly: true });
    expect(podSpecOf(production, 'Deployment', 'purser-controller').volumes).toContainEqual({ name: 'trusted-issuers', configMap: { name: 'purser-trusted-issuers' } });
    expect(containerOf(production, 'Deployment', 'purser-server').volumeMounts!.map((mount) => mount.name)).not.toContain('trusted-issuers');
  });

  it('a release namespace that is also watched gets one binding, not two', async () => {
    const objects = await render('team-a', { set: ['controller.namespaces={team-a,team-b}'] });
    expect(objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'purser-controller').map((o) => o.metadata.namespace)).toEqual(['team-a', 'team-b']);
  });

  it('tenancy: purser-edit aggregates OAuthClient/OAuthAPI writes into edit and admin, purser-view reads into view, no status writes', async () => {
    const edit = findObject<V1ClusterRole>(defaults, 'ClusterRole', 'purser-edit');
    expect(edit.metadata!.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    expect(edit.metadata!.labels!['rbac.authorization.k8s.io/aggregate-to-view']).toBeUndefined();
    expect(edit.rules).toEqual([{ apiGroups: ['purser.dev'], resources: ['oauthclients', 'oauthapis'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }]);
    const view = findObject<V1ClusterRole>(defaults, 'ClusterRole', 'purser-view');
    expect(view.metadata!.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
    expect(view.rules).toEqual([{ apiGroups: ['purser.dev'], resources: ['oauthclients', 'oauthclients/status', 'oauthapis', 'oauthapis/status'], verbs: ['get', 'list', 'watch'] }]);
    const without = await render('purser-system', { set: ['tenancy.aggregateRoles=false'] });
    expect(ids(without).filter((id) => /purser-(edit|view)$/.test(id))).toEqual([]);
  });

  it('tenancy: the safe default sets no policy variable; the values reach the controller only', async () => {
    const controllerEnv = envOf(containerOf(defaults, 'Deployment', 'purser-controller'));
    expect(controllerEnv.PURSER_CLIENT_ID_PATTERNS).toBeUndefined();
    expect(controllerEnv.PURSER_FIRST_PARTY_NAMESPACES).toBeUndefined();
    const open = await render('purser-system', { set: ['tenancy.clientIdPatterns={team-a=payments,team-*=legacy-*}', 'tenancy.firstPartyNamespaces={portal}'] });
    expect(envOf(containerOf(open, 'Deployment', 'purser-controller'))).toMatchObject({ PURSER_CLIENT_ID_PATTERNS: 'team-a=payments,team-*=legacy-*', PURSER_FIRST_PARTY_NAMESPACES: 'portal' });
    expect(envOf(containerOf(open, 'Deployment', 'purser-server')).PURSER_FIRST_PARTY_NAMESPACES).toBeUndefined();
  });

  it('tenancy: values.schema.json refuses a client_id pattern without a namespace and a malformed namespace', async () => {
    const bad = await helm(['template', 'purser', CHART, '--set', 'tenancy.clientIdPatterns={payments}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('clientIdPatterns');
    const badNamespace = await helm(['template', 'purser', CHART, '--set', 'tenancy.firstPartyNamespaces={Team_A}']);
    expect(badNamespace.code).not.toBe(0);
    expect(badNamespace.stderr).toContain('firstPartyNamespaces');
  });

  it('nothing is bound to the server\'s ServiceAccount', () => {
    for (const binding of [defaults, production].flatMap((objects) => [...objectsOf<V1RoleBinding>(objects, 'RoleBinding'), ...objectsOf<V1ClusterRoleBinding>(objects, 'ClusterRoleBinding')])) {
      expect(binding.subjects!.map((s) => s.name)).toEqual(['purser-controller']);
    }
  });
});

describe('Redis', () => {
  it('bundled: one append-only Redis with a password, on a PersistentVolumeClaim, behind a headless Service', () => {
    const statefulSet = findObject<V1StatefulSet>(defaults, 'StatefulSet', 'purser-redis');
    expect(statefulSet.spec).toMatchObject({ replicas: 1, serviceName: 'purser-redis' });
    const redis = containerOf(defaults, 'StatefulSet', 'purser-redis');
    expect(redis.command).toEqual(['redis-server']);
    expect(redis.args).toEqual([
      '--dir', '/data', '--appendonly', 'yes', '--appendfsync', 'everysec', '--requirepass', '$(REDIS_PASSWORD)',
      '--maxmemory', '192mb', '--maxmemory-policy', 'noeviction',
    ]);
    const password = { secretKeyRef: { name: 'purser-redis', key: 'password' } };
    expect(redis.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: password }, { name: 'REDISCLI_AUTH', valueFrom: password }]);
    expect(redis.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(statefulSet.spec!.volumeClaimTemplates).toEqual([
      { metadata: { name: 'data', labels: selector('redis') }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    ]);
    expect(findObject<V1Service>(defaults, 'Service', 'purser-redis').spec).toEqual({
      clusterIP: 'None',
      selector: selector('redis'),
      ports: [{ name: 'redis', port: 6379, targetPort: 'redis' }],
    });
  });

  it('bundled: maxmemory below the memory limit with noeviction, so a full Redis refuses writes instead of being OOM-killed', async () => {
    const maxmemory = async (set: string[]) => {
      const args = containerOf(await render('purser-system', { set }), 'StatefulSet', 'purser-redis').args!;
      expect(args.slice(-2)).toEqual(['--maxmemory-policy', 'noeviction']);
      return args[args.indexOf('--maxmemory') + 1];
    };
    expect(await maxmemory(['redis.bundled.resources.limits.memory=1Gi'])).toBe('768mb');
    expect(await maxmemory(['redis.bundled.resources.limits.memory=300Mi'])).toBe('225mb');
    expect(await maxmemory(['redis.bundled.maxmemory=100mb'])).toBe('100mb');
    // A limit in a unit the chart does not convert must come with an explicit maxmemory.
    const result = await helm(['template', 'purser', CHART, '--set', 'redis.bundled.resources.limits.memory=300M']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('redis.bundled.resources.limits.memory=300M: set redis.bundled.maxmemory');
    // Without a limit nothing kills Redis for its size: no cap unless asked for.
    const unlimited = containerOf(await render('purser-system', { set: ['redis.bundled.resources.limits=null'] }), 'StatefulSet', 'purser-redis');
    expect(unlimited.args).not.toContain('--maxmemory');
    expect(unlimited.args!.slice(-2)).toEqual(['--maxmemory-policy', 'noeviction']);
  });

  it('bundled: the generated password is 32 random characters, kept on uninstall', async () => {
    const secret = findObject<V1Secret>(defaults, 'Secret', 'purser-redis');
    expect(secret.metadata!.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    const password = Buffer.from(secret.data!.password!, 'base64').toString();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    const again = findObject<V1Secret>(await render('purser-system'), 'Secret', 'purser-redis');
    expect(again.data!.password).not.toBe(secret.data!.password);
  });

  it('bundled: server and controller reach it by its Service and read the password from the mounted Secret', () => {
    for (const name of ['purser-server', 'purser-controller']) {
      expect(envOf(containerOf(defaults, 'Deployment', name))).toMatchObject({
        PURSER_REDIS_URL: 'redis://purser-redis:6379/0',
        PURSER_REDIS_MODE: 'standalone',
        PURSER_REDIS_PASSWORD_FILE: '/etc/purser/redis/password',
      });
      expect(podSpecOf(defaults, 'Deployment', name).volumes).toContainEqual({ name: 'redis-auth', secret: { secretName: 'purser-redis' } });
    }
  });

  it('bundled with auth.existingSecret, persistence values: no generated Secret, every pod reads the given one', async () => {
    const objects = await render('purser-system', { set: ['redis.bundled.auth.existingSecret=our-redis', 'redis.bundled.persistence.size=5Gi', 'redis.bundled.persistence.storageClass=fast'] });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(containerOf(objects, 'StatefulSet', 'purser-redis').env![0]!.valueFrom).toEqual({ secretKeyRef: { name: 'our-redis', key: 'password' } });
    expect(findObject<V1StatefulSet>(objects, 'StatefulSet', 'purser-redis').spec!.volumeClaimTemplates![0]!.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    expect(podSpecOf(objects, 'Deployment', 'purser-server').volumes).toContainEqual({ name: 'redis-auth', secret: { secretName: 'our-redis' } });
  });

  it('your Redis (production values): Sentinel seeds, the password file from your Secret\'s key', () => {
    for (const name of ['purser-server', 'purser-controller']) {
      expect(envOf(containerOf(production, 'Deployment', name))).toMatchObject({
        PURSER_REDIS_URL: 'redis-sentinel-0.redis:26379,redis-sentinel-1.redis:26379,redis-sentinel-2.redis:26379',
        PURSER_REDIS_MODE: 'sentinel',
        PURSER_REDIS_SENTINEL_NAME: 'purser-primary',
        PURSER_REDIS_PASSWORD_FILE: '/etc/purser/redis/redis-password',
        PURSER_REDIS_KEY_PREFIX: 'auth:',
      });
      expect(podSpecOf(production, 'Deployment', name).volumes).toContainEqual({ name: 'redis-auth', secret: { secretName: 'redis-credentials' } });
    }
  });

  it('your Redis without a password: no password file, no volume', async () => {
    const objects = await render('purser-system', { set: ['redis.bundled.enabled=false', 'redis.url=redis://redis:6379/0'] });
    const server = containerOf(objects, 'Deployment', 'purser-server');
    expect(envOf(server).PURSER_REDIS_PASSWORD_FILE).toBeUndefined();
    expect(server.volumeMounts!.map((m) => m.name)).toEqual(['tmp', 'keys']);
  });
});

describe('scaling, disruptions, exposure', () => {
  it('autoscaling: the HPA owns the replica count, the Deployment leaves it unset', () => {
    expect(findObject<V1Deployment>(production, 'Deployment', 'purser-server').spec!.replicas).toBeUndefined();
    expect(findObject<V2HorizontalPodAutoscaler>(production, 'HorizontalPodAutoscaler', 'purser-server').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'purser-server' },
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    expect(findObject<V1Deployment>(defaults, 'Deployment', 'purser-server').spec!.replicas).toBe(2);
    expect(findObject<V1Deployment>(defaults, 'Deployment', 'purser-controller').spec!.replicas).toBe(2);
  });

  it('a PodDisruptionBudget of minAvailable 1 per component that runs more than one pod, and none for a single pod', async () => {
    for (const component of ['server', 'controller']) {
      expect(findObject<V1PodDisruptionBudget>(defaults, 'PodDisruptionBudget', `purser-${component}`).spec).toEqual({ minAvailable: 1, selector: { matchLabels: selector(component) } });
    }
    const single = await render('purser-system', { set: ['server.replicaCount=1', 'controller.replicaCount=1'] });
    expect(single.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  it('topology spread: server pods over zones and nodes, controller replicas over nodes, never blocking scheduling', () => {
    const spread = (component: string, key: string) => ({ labelSelector: { matchLabels: selector(component) }, maxSkew: 1, topologyKey: key, whenUnsatisfiable: 'ScheduleAnyway' });
    expect(podSpecOf(defaults, 'Deployment', 'purser-server').topologySpreadConstraints).toEqual([spread('server', 'topology.kubernetes.io/zone'), spread('server', 'kubernetes.io/hostname')]);
    expect(podSpecOf(defaults, 'Deployment', 'purser-controller').topologySpreadConstraints).toEqual([spread('controller', 'kubernetes.io/hostname')]);
    expect(findObject<V1Deployment>(defaults, 'Deployment', 'purser-server').spec!.template.metadata!.labels).toEqual(selector('server'));
  });

  it('scheduling values, pod annotations and extra variables reach their own component\'s pods only', async () => {
    const objects = await render('purser-system', {
      set: [
        'server.nodeSelector.pool=auth',
        'server.podAnnotations.team=identity',
        'controller.tolerations[0].key=dedicated',
        'controller.tolerations[0].operator=Exists',
        'controller.extraEnv[0].name=NODE_OPTIONS',
        'controller.extraEnv[0].value=--max-old-space-size=448',
        'redis.bundled.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=disk',
        'redis.bundled.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists',
      ],
    });
    const server = podSpecOf(objects, 'Deployment', 'purser-server');
    const controller = podSpecOf(objects, 'Deployment', 'purser-controller');
    const redis = podSpecOf(objects, 'StatefulSet', 'purser-redis');
    expect([server.nodeSelector, controller.nodeSelector, redis.nodeSelector]).toEqual([{ pool: 'auth' }, undefined, undefined]);
    expect([server.tolerations, controller.tolerations, redis.tolerations]).toEqual([undefined, [{ key: 'dedicated', operator: 'Exists' }], undefined]);
    expect([server.affinity, controller.affinity]).toEqual([undefined, undefined]);
    expect(redis.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } });
    expect(findObject<V1Deployment>(objects, 'Deployment', 'purser-server').spec!.template.metadata!.annotations).toEqual({ team: 'identity' });
    expect(findObject<V1Deployment>(objects, 'Deployment', 'purser-controller').spec!.template.metadata!.annotations).toBeUndefined();
    expect(envOf(containerOf(objects, 'Deployment', 'purser-controller')).NODE_OPTIONS).toBe('--max-old-space-size=448');
    // extraEnv's NODE_OPTIONS replaces controller.nodeOptions rather than coming twice.
    expect(containerOf(objects, 'Deployment', 'purser-controller').env!.filter((variable) => variable.name === 'NODE_OPTIONS')).toHaveLength(1);
    expect(envOf(containerOf(objects, 'Deployment', 'purser-server')).NODE_OPTIONS).toBeUndefined();
  });

  it('Ingress: the hosts and TLS of the values, to the server Service\'s http port; the issuer derives from it when unset', async () => {
    expect(findObject<V1Ingress>(production, 'Ingress', 'purser').spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'auth-example-com-tls', hosts: ['auth.example.com'] }],
      rules: [{ host: 'auth.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'purser', port: { name: 'http' } } } }] } }],
    });
    const issuer = async (set: string[]) => envOf(containerOf(await render('auth', { values: [PRODUCTION], set: ['issuer=', ...set] }), 'Deployment', 'purser-server')).PURSER_ISSUER;
    expect(await issuer([])).toBe('https://auth.example.com');
    expect(await issuer(['ingress.tls[0].hosts[0]=other.example.com'])).toBe('http://auth.example.com');
    expect(await issuer(['ingress.enabled=false'])).toBe('http://purser.auth.svc');
    expect(await issuer(['ingress.enabled=false', 'server.service.port=8080'])).toBe('http://purser.auth.svc:8080');
  });

  it('trustProxy follows the Ingress unless set', async () => {
    expect(envOf(containerOf(production, 'Deployment', 'purser-server')).PURSER_TRUST_PROXY).toBe('true');
    expect(envOf(containerOf(defaults, 'Deployment', 'purser-server')).PURSER_TRUST_PROXY).toBe('false');
    const behindAnotherProxy = await render('purser-system', { set: ['server.trustProxy=true'] });
    expect(envOf(containerOf(behindAnotherProxy, 'Deployment', 'purser-server')).PURSER_TRUST_PROXY).toBe('true');
  });

  it('NetworkPolicies: Redis only from server and controller pods; http from anywhere; metrics from Prometheus', async () => {
    const objects = await render('purser-system', { set: ['networkPolicy.enabled=true'] });
    const prometheus = [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }];
    expect(findObject<V1NetworkPolicy>(objects, 'NetworkPolicy', 'purser-redis').spec).toEqual({
      podSelector: { matchLabels: selector('redis') },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'redis' }], from: [{ podSelector: { matchLabels: selector('server') } }, { podSelector: { matchLabels: selector('controller') } }] }],
    });
    expect(findObject<V1NetworkPolicy>(objects, 'NetworkPolicy', 'purser-server').spec).toEqual({
      podSelector: { matchLabels: selector('server') },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'http' }] }, { ports: [{ port: 'metrics' }], from: prometheus }],
    });
    expect(findObject<V1NetworkPolicy>(objects, 'NetworkPolicy', 'purser-controller').spec).toEqual({
      podSelector: { matchLabels: selector('controller') },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: 'metrics' }], from: prometheus }],
    });
  });

  it('ServiceMonitors each select the one Service with the metrics port of their component', () => {
    const services = objectsOf<V1Service>(production, 'Service');
    for (const component of ['server', 'controller']) {
      const monitor = findObject<Manifest & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: unknown[] } }>(production, 'ServiceMonitor', `purser-${component}`);
      expect(monitor.metadata.labels).toMatchObject({ release: 'prometheus' });
      expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
      const matching = services.filter((service) => Object.entries(monitor.spec.selector.matchLabels).every(([key, value]) => service.metadata!.labels![key] === value));
      expect(matching.map((s) => s.metadata!.name)).toEqual([`purser-${component}-metrics`]);
      expect(matching[0]!.spec!.ports!.map((p) => p.name)).toContain('metrics');
    }
  });
});
