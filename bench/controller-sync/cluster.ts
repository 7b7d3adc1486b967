// The bench's side of the Kubernetes API: namespaces, N OAuthClients created a few at a time, a timed
// `kubectl get oac -A -o json`, and a watch that says when every OAuthClient is Ready.
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:https';
import { promisify } from 'node:util';

import { KubeConfig, Watch, type V1Secret } from '@kubernetes/client-node';

import { API_GROUP, API_VERSION, KIND, PLURAL, type OAuthClient } from '../../src/api/types.ts';
import { kubectlBinary } from '../../test/support/control-plane.ts';

const run = promisify(execFile);
const CLIENTS_PATH = `/apis/${API_GROUP}/${API_VERSION}`;

export const SPEC = { grantTypes: ['client_credentials'], scopes: ['bench:read'], audiences: ['https://api.bench.test'] };

export function benchClient(namespace: string, name: string): OAuthClient {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name, namespace }, spec: structuredClone(SPEC) as OAuthClient['spec'] };
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export const isReady = (client: OAuthClient & { metadata: { generation?: number } }) =>
  client.status?.observedGeneration === client.metadata.generation && client.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/**
 * JSON over HTTPS with keep-alive connections: the bench's own requests cost the API server as little as they can,
 * so that creating the objects is a fair floor. The test control plane's certificate is self-signed (loopback only).
 */
function apiClient(config: KubeConfig) {
  const server = config.getCurrentCluster()!.server;
  const headers = { authorization: `Bearer ${config.getCurrentUser()!.token}`, 'content-type': 'application/json', accept: 'application/json' };
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
  return (method: string, path: string, body?: object) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const sent = request(new URL(path, server), { method, agent, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        const json = response.headers['content-type']?.startsWith('application/json');
        response.on('end', () => resolve({ status: response.statusCode!, body: json ? JSON.parse(text) : text }));
      });
      sent.once('error', reject);
      sent.end(body && JSON.stringify(body));
    });
}

export function cluster(kubeconfig: string) {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const api = apiClient(config);
  const create = async (path: string, body: object) => {
    const { status, body: answer } = await api('POST', path, body);
    if (status !== 201) throw new Error(`POST ${path}: ${status} ${JSON.stringify(answer)}`);
  };
  const kubectl = async (args: string[], input?: string) => {
    const child = run(await kubectlBinary(), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 1 << 28 });
    if (input !== undefined) child.child.stdin!.end(input);
    return (await child).stdout;
  };

  return {
    kubectl,
    createNamespaces: (names: string[]) => pool(names, 4, (name) => create('/api/v1/namespaces', { metadata: { name } })),
    /** Deletes every client, `concurrency` requests in flight (as `kubectl delete oauthclients --all -A` does, one by one). */
    deleteClients: (clients: OAuthClient[], concurrency: number) =>
      pool(clients, concurrency, async (client) => {
        const path = `${CLIENTS_PATH}/namespaces/${client.metadata.namespace}/${PLURAL}/${client.metadata.name}`;
        const { status, body } = await api('DELETE', path);
        if (status !== 200 && status !== 202) throw new Error(`DELETE ${path}: ${status} ${JSON.stringify(body)}`);
      }),
    /**
     * The OAuthAPI of SPEC's audience, admitting every namespace's clients to its scope for client_credentials: with
     * PURSER_TENANCY=enforced (the default) no token is issued for an audience without one.
     */
    createApi: (namespace: string) =>
      create(`${CLIENTS_PATH}/namespaces/${namespace}/oauthapis`, {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: 'OAuthAPI',
        metadata: { name: 'bench-api', namespace },
        spec: {
          audience: SPEC.audiences[0],
          scopes: SPEC.scopes.map((name) => ({ name, description: 'Benchmark scope' })),
          access: [{ namespaceSelector: {}, scopes: SPEC.scopes, flows: ['clientCredentials'] }],
        },
      }),
    /** Creates every client, `concurrency` requests in flight. */
    createClients: (clients: OAuthClient[], concurrency: number) => pool(clients, concurrency, (client) => create(`${CLIENTS_PATH}/namespaces/${client.metadata.namespace}/${PLURAL}`, client)),
    listClients: async () => (await api('GET', `${CLIENTS_PATH}/${PLURAL}`)).body as { items: OAuthClient[]; metadata: { resourceVersion: string } },
    /** apiserver_request_total summed by `VERB resource[/subresource]`: every request the API server served. */
    apiRequests: async () => {
      const counts: Record<string, number> = {};
      const text = (await api('GET', '/metrics')).body as string;
      for (const [, labels, value] of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
        const label = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(labels!)?.[1] ?? '';
        const key = `${label('verb')} ${label('resource')}${label('subresource') ? `/${label('subresource')}` : ''}`;
        counts[key] = (counts[key] ?? 0) + Number(value);
      }
      return counts;
    },
    readSecret: async (namespace: string, name: string) => {
      const { status, body } = await api('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`);
      return status === 200 ? (body as V1Secret) : undefined;
    },

    /** Resolves with the time (performance.now()) at which `count` OAuthClients were gone (DELETED events), seen through a watch. */
    async whenAllGone(count: number, fromResourceVersion: string): Promise<number> {
      let gone = 0;
      let abort: AbortController | undefined;
      const reached = new Promise<number>((resolve, reject) => {
        const onEvent = (phase: string) => {
          if (phase === 'DELETED' && ++gone >= count) resolve(performance.now());
        };
        const onDone = (error: unknown) => reject(new Error(`the watch of OAuthClients ended before all were gone: ${String(error)}`));
        void new Watch(config).watch(`${CLIENTS_PATH}/${PLURAL}`, { resourceVersion: fromResourceVersion }, onEvent, onDone).then((controller) => (abort = controller), reject);
      });
      try {
        return await reached;
      } finally {
        abort?.abort();
      }
    },

    /** Resolves with the time (performance.now()) at which `count` OAuthClients were Ready at once, seen through a watch. */
    async whenAllReady(count: number, fromResourceVersion: string, onProgress: (ready: number) => void): Promise<number> {
      const ready = new Set<string>();
      let abort: AbortController | undefined;
      const reached = new Promise<number>((resolve, reject) => {
        const onEvent = (phase: string, client: OAuthClient) => {
          const key = `${client.metadata.namespace}/${client.metadata.name}`;
          if (phase !== 'DELETED' && isReady(client)) ready.add(key);
          else ready.delete(key);
          onProgress(ready.size);
          if (ready.size >= count) resolve(performance.now());
        };
        const onDone = (error: unknown) => reject(new Error(`the watch of OAuthClients ended before all were Ready: ${String(error)}`));
        void new Watch(config).watch(`${CLIENTS_PATH}/${PLURAL}`, { resourceVersion: fromResourceVersion }, onEvent, onDone).then((controller) => (abort = controller), reject);
      });
      try {
        return await reached;
      } finally {
        abort?.abort();
      }
    },
  };
}

export type Cluster = ReturnType<typeof cluster>;
