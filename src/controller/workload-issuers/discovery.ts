// Reads the cluster's service-account issuer through the API server (Kubernetes service-account issuer discovery,
// KEP-1393): `/.well-known/openid-configuration` for the issuer, `/openid/v1/jwks` for its keys. Both through the API
// server with the controller's own credentials (RBAC: nonResourceURLs get), never through the discovery document's
// jwks_uri, which names an address only reachable from outside in some clusters.
import { get } from 'node:https';

import type { KubeConfig } from '@kubernetes/client-node';

import type { WorkloadIssuer } from '../../store/types.ts';

const READ_TIMEOUT_MS = 10_000;

/** GET `path` on the API server as the kubeconfig's user; the parsed JSON body, or a rejection naming the status. */
async function getJson(kubeConfig: KubeConfig, path: string): Promise<unknown> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster');
  const options: Parameters<KubeConfig['applyToHTTPSOptions']>[0] = { timeout: READ_TIMEOUT_MS, headers: {} };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const request = get(new URL(path, server), options, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`GET ${path} answered ${response.statusCode}`));
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    request.once('error', reject);
    request.once('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
  });
}

/** The cluster's service-account issuer and its public keys. */
export async function readClusterIssuer(kubeConfig: KubeConfig): Promise<WorkloadIssuer> {
  const discovery = (await getJson(kubeConfig, '/.well-known/openid-configuration')) as { issuer?: unknown };
  if (typeof discovery.issuer !== 'string') throw new Error('the service-account issuer discovery document has no issuer');
  const jwks = (await getJson(kubeConfig, '/openid/v1/jwks')) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error('the service-account JWKS has no keys');
  return { issuer: discovery.issuer, keys: jwks.keys as WorkloadIssuer['keys'] };
}
