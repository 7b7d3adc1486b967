// Purser as the chart installs it on the end-to-end cluster: the release, its Service as the host reaches it (a
// ClusterIP, through kube-proxy's rules), and the clients' credentials from their Secrets.
import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';

import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { inject } from 'vitest';

import { kubectl, kubectlJson } from './cluster.ts';

export const RELEASE = 'purser';
export const NAMESPACE = 'purser-system';
/** The issuer the chart derives without ingress: the in-cluster Service. */
export const ISSUER = `http://${RELEASE}.${NAMESPACE}.svc`;

/** `--set` values that point the chart at the image scripts/images.sh built and the cluster holds. */
export function imageValues(): string[] {
  const [repository, tag] = inject('e2e').image.split(':') as [string, string];
  return ['--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`];
}

/** `http://<ClusterIP>` of the server's Service (port 80), which this machine reaches through kube-proxy. */
export async function serviceUrl(): Promise<string> {
  const ip = await kubectl(['-n', NAMESPACE, 'get', 'service', RELEASE, '-o', 'jsonpath={.spec.clusterIP}']);
  return `http://${ip}`;
}

/**
 * Until the returned function is called, every fetch in this process that names the issuer's host (URLs, Host
 * headers, cookies and redirects, as in the cluster) connects to the Service's ClusterIP instead: this machine cannot
 * resolve the in-cluster name, and rewriting URLs would change the Host the server sees.
 */
export async function resolveIssuerToService(): Promise<() => void> {
  const ip = await kubectl(['-n', NAMESPACE, 'get', 'service', RELEASE, '-o', 'jsonpath={.spec.clusterIP}']);
  const issuerHost = new URL(ISSUER).hostname;
  const resolve = (host: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    if (host !== issuerHost) return lookup(host, options, callback);
    return options.all ? callback(null, [{ address: ip, family: 4 }]) : callback(null, ip, 4);
  };
  const previous = getGlobalDispatcher();
  const agent = new Agent({ connect: { lookup: resolve as never } });
  setGlobalDispatcher(agent);
  return () => {
    setGlobalDispatcher(previous);
    void agent.close();
  };
}

/** An endpoint from discovery (`jwks_uri`, `introspection_endpoint`, ...), on the Service's address. */
export async function endpoint(name: string): Promise<string> {
  const base = await serviceUrl();
  const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  if (!discovery[name]) throw new Error(`discovery has no ${name}`);
  return new URL(new URL(discovery[name]).pathname, base).toString();
}

export interface ClientSecret {
  client_id: string;
  client_secret: string;
  issuer: string;
  token_endpoint: string;
}

/** The decoded keys of an OAuthClient's Secret. */
export async function clientSecret(namespace: string, name: string): Promise<ClientSecret> {
  const secret = await kubectlJson<{ data: Record<string, string> }>(['-n', namespace, 'get', 'secret', name]);
  return Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()])) as unknown as ClientSecret;
}

/** POSTs a form to the Service with HTTP Basic client authentication; returns the status and parsed JSON body. */
export async function postForm(url: string, client: ClientSecret, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64');
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A client_credentials token from the Service for `client`. */
export async function clientCredentialsToken(client: ClientSecret, scope: string): Promise<string> {
  const { status, body } = await postForm(await endpoint('token_endpoint'), client, { grant_type: 'client_credentials', scope });
  if (status !== 200) throw new Error(`token request failed with ${status}: ${JSON.stringify(body)}`);
  return body.access_token as string;
}

/**
 * The release's pods of one component (server, controller, redis), leaving out those being deleted (which stay Ready
 * through their preStop pause): whether each is Ready, its container restarts, its uid and its IP.
 */
export async function pods(component?: string): Promise<{ name: string; ready: boolean; restarts: number; uid: string; ip: string }[]> {
  const selector = [`app.kubernetes.io/instance=${RELEASE}`, ...(component ? [`app.kubernetes.io/component=${component}`] : [])].join(',');
  const list = await kubectlJson<{ items: PodJson[] }>(['-n', NAMESPACE, 'get', 'pods', '-l', selector]);
  return list.items.filter((pod) => !pod.metadata.deletionTimestamp).map((pod) => ({
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    ip: pod.status.podIP ?? '',
    ready: pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false,
    restarts: (pod.status.containerStatuses ?? []).reduce((sum, status) => sum + status.restartCount, 0),
  }));
}

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] };
}
