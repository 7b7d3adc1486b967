// Helpers for tests against the run's Kubernetes API server (see global-setup.ts): kubectl, namespaces of their
// own, a controller running as the least-privileged ServiceAccount of deploy/, in this process or as its own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import * as oidc from 'openid-client';
import { inject } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';

import { API_GROUP, API_VERSION, PLURAL, type OAuthClient } from '../../src/api/types.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startController, type RunningController } from '../../src/controller/index.ts';
import { createLogger } from '../../src/log.ts';
import { kubectlBinary } from './control-plane.ts';
import { freePort } from './redis-server.ts';
import './provided-context.ts';
import { stopChild } from './child-process.ts';

const REPO = new URL('../../', import.meta.url).pathname;
// The chart's RBAC as deploy/ renders it (scripts/render-deploy.ts): tests run the controller with exactly that.
const DEPLOY_FILES = ['deploy/namespace.yaml', 'deploy/purser.yaml'].map((file) => join(REPO, file));

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl against `kubeconfig` (the run's cluster-admin one by default); never throws. */
export async function kubectl(args: string[], options: { kubeconfig?: string; input?: string } = {}): Promise<KubectlResult> {
  const binary = await kubectlBinary();
  return new Promise((resolve) => {
    const child = execFile(binary, ['--kubeconfig', options.kubeconfig ?? inject('kubeconfig'), ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(args: string[], options: { kubeconfig?: string; input?: string } = {}): Promise<string> {
  const result = await kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** A new namespace for one test file: `<name>-<random>`. */
export async function createNamespace(name: string, kubeconfig?: string): Promise<string> {
  const namespace = `${name}-${randomBytes(3).toString('hex')}`;
  await kubectlOk(['create', 'namespace', namespace], { kubeconfig });
  return namespace;
}

/** Polls `probe` until it returns something other than `undefined`/`false`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Typed reads for assertions. */
export function kubeClients(kubeconfig = inject('kubeconfig')) {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const custom = config.makeApiClient(CustomObjectsApi);
  const core = config.makeApiClient(CoreV1Api);
  const resource = { group: API_GROUP, version: API_VERSION, plural: PLURAL };
  return {
    getClient: async (namespace: string, name: string) => (await custom.getNamespacedCustomObject({ ...resource, namespace, name })) as OAuthClient,
    listClients: async (namespace: string) => ((await custom.listNamespacedCustomObject({ ...resource, namespace })) as { items: OAuthClient[] }).items,
    getSecret: async (namespace: string, name: string): Promise<V1Secret | undefined> => core.readNamespacedSecret({ namespace, name }).catch(() => undefined),
    listSecrets: async (namespace: string) => (await core.listNamespacedSecret({ namespace })).items,
    listEvents: async (namespace: string) => (await core.listNamespacedEvent({ namespace })).items,
  };
}

export const readyOf = (client: OAuthClient) => client.status?.conditions?.find((condition) => condition.type === 'Ready');

/** Whether the OAuthClient's Ready condition has `status` (and `reason`, when given) for its current generation. */
export function isReady(client: OAuthClient, status: 'True' | 'False' = 'True', reason?: string): boolean {
  const ready = readyOf(client);
  const current = client.status?.observedGeneration === client.metadata.generation;
  return current && ready?.status === status && (!reason || ready.reason === reason);
}

/** Waits until the OAuthClient's Ready condition has `status` (and `reason`, when given) for its current generation. */
export async function waitForReady(namespace: string, name: string, status: 'True' | 'False' = 'True', reason?: string, timeoutMs = 20_000, kubeconfig?: string): Promise<OAuthClient> {
  const { getClient } = kubeClients(kubeconfig);
  return waitFor(`OAuthClient ${namespace}/${name} Ready=${status}${reason ? ` (${reason})` : ''}`, async () => {
    const client = await getClient(namespace, name);
    return isReady(client, status, reason) ? client : undefined;
  }, timeoutMs);
}

/**
 * Waits until the OAuthClient is Ready and the OAuthAPIs of its audiences admit what it lists (AudiencesAdmitted=True),
 * both for its current generation: its token requests for those audiences then succeed.
 */
export async function waitForAdmitted(namespace: string, name: string, timeoutMs = 20_000, kubeconfig?: string): Promise<OAuthClient> {
  const { getClient } = kubeClients(kubeconfig);
  return waitFor(`OAuthClient ${namespace}/${name} Ready and admitted`, async () => {
    const client = await getClient(namespace, name);
    const admitted = client.status?.conditions?.find((condition) => condition.type === 'AudiencesAdmitted');
    return isReady(client) && admitted?.status === 'True' && admitted.observedGeneration === client.metadata.generation ? client : undefined;
  }, timeoutMs);
}

/**
 * An OAuthAPI for `audience` that admits every OAuthClient of `namespace` to `scopes` in both flows, and names
 * `resourceServers` (client names in `namespace`): for files about the OAuthClient lifecycle, which need their
 * audience declared (PURSER_TENANCY=enforced, the default) but do not test admission itself.
 */
export function admittingApi(namespace: string, name: string, audience: string, scopes: string[], resourceServers: string[] = []): string {
  return stringify({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'OAuthAPI',
    metadata: { name, namespace },
    spec: {
      audience,
      scopes: scopes.map((scope) => ({ name: scope })),
      access: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, scopes, flows: ['userDelegated', 'clientCredentials'] }],
      ...(resourceServers.length ? { resourceServers: resourceServers.map((server) => ({ namespace, name: server })) } : {}),
    },
  });
}

/** Decoded `data` of a Secret. */
export function secretData(secret: V1Secret): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

/** openid-client configured the way a workload would be, from the client's Secret alone (envFrom). */
export async function relyingPartyFromSecret(secret: V1Secret): Promise<oidc.Configuration> {
  const { client_id, client_secret, issuer } = secretData(secret);
  return oidc.discovery(new URL(issuer!), client_id!, client_secret, oidc.ClientSecretBasic(client_secret!), { execute: [oidc.allowInsecureRequests] });
}

async function applyWithRetry(manifest: string): Promise<void> {
  // Test files apply the same cluster-wide objects at once; a lost create race is retried.
  for (let attempt = 0; ; attempt++) {
    const result = await kubectl(['apply', '-f', '-'], { input: manifest });
    if (result.code === 0) return;
    if (attempt === 4) throw new Error(`kubectl apply failed: ${result.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A kubeconfig for the controller's ServiceAccount from deploy/ (minted with TokenRequest), so tests prove that the
 * chart's RBAC is enough. The leader-election Role is also granted in `leaseNamespace`, where the test's controller
 * keeps its Lease apart from other test files'.
 */
export async function controllerKubeconfig(leaseNamespace: string): Promise<string> {
  type Manifest = { kind: string; metadata: { namespace?: string } };
  const rbacKinds = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
  const objects = (await Promise.all(DEPLOY_FILES.map((file) => readFile(file, 'utf8'))))
    .flatMap((text) => parseAllDocuments(text).map((document) => document.toJS() as Manifest | null))
    .filter((object): object is Manifest => object !== null && rbacKinds.includes(object.kind));
  await applyWithRetry(objects.map((object) => stringify(object)).join('---\n'));
  const leaderElection = objects
    .filter((object) => object.kind === 'Role' || object.kind === 'RoleBinding')
    .map((object) => stringify({ ...object, metadata: { ...object.metadata, namespace: leaseNamespace } }));
  await applyWithRetry(leaderElection.join('---\n'));
  return serviceAccountKubeconfig('purser-system', 'purser-controller');
}

/** A kubeconfig that acts as ServiceAccount `namespace/name`, with a token minted by TokenRequest. */
export async function serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
  const token = (await kubectlOk(['create', 'token', name, '-n', namespace, '--duration=24h'])).trim();
  const admin = await readFile(inject('kubeconfig'), 'utf8');
  const server = /server: (\S+)/.exec(admin)![1];
  const file = join(tmpdir(), `${name}-${randomBytes(4).toString('hex')}.kubeconfig`);
  await writeFile(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\nusers:\n- name: ${name}\n  user: {token: "${token}"}\ncontexts:\n- name: test\n  context: {cluster: test, user: ${name}}\ncurrent-context: test\n`,
  );
  return file;
}

export interface ControllerOptions {
  kubeconfig: string;
  redisUrl?: string;
  prefix: string;
  issuer: string;
  /** Watched namespaces; the first also holds the Lease. */
  namespaces: string[];
  /** Extra flags, e.g. `--secret-rotation-overlap=3s`. */
  flags?: string[];
}

function controllerFlags(options: ControllerOptions): string[] {
  return [
    `--kubeconfig=${options.kubeconfig}`,
    `--redis-url=${options.redisUrl ?? inject('redisUrl')}`,
    `--redis-key-prefix=${options.prefix}`,
    `--issuer=${options.issuer}`,
    `--namespaces=${options.namespaces.join(',')}`,
    `--lease-namespace=${options.namespaces[0]}`,
    '--host=127.0.0.1',
    ...(options.flags ?? []),
  ];
}

/** The controller in this process. */
export async function startTestController(options: ControllerOptions): Promise<RunningController> {
  const config = loadConfig([...controllerFlags(options), '--controller-port=0'], {}, 'controller');
  return startController(config, createLogger({ level: 'warn', format: 'json' }));
}

export interface SpawnedController {
  child: ChildProcess;
  healthUrl: string;
  /** Everything it logged. */
  output(): string;
  isLeader(): Promise<boolean>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The controller as its own process (`node src/cli.ts controller`), for restart and failover tests. */
export async function spawnController(options: ControllerOptions): Promise<SpawnedController> {
  const port = await freePort();
  const cli = join(REPO, 'src/cli.ts');
  const child = spawn(process.execPath, [cli, 'controller', ...controllerFlags(options), `--controller-port=${port}`, '--log-level=info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const healthUrl = `http://127.0.0.1:${port}`;
  await waitFor(`controller on port ${port} to be ready (output so far: ${output})`, async () => {
    if (child.exitCode !== null) throw new Error(`controller exited with ${child.exitCode}:\n${output}`);
    return (await fetch(`${healthUrl}/readyz`)).ok;
  }, 30_000, 100);
  return {
    child,
    healthUrl,
    output: () => output,
    isLeader: async () => /^purser_controller_is_leader 1$/m.test(await (await fetch(`${healthUrl}/metrics`)).text()),
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}
