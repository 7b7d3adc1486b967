// One undici Agent per TLS identity for the Kubernetes API client, instead of one per request.
import { hash } from 'node:crypto';

import type { KubeConfig } from '@kubernetes/client-node';

interface DispatcherFactory {
  createDispatcher(cluster: { server?: string } | null, options: Record<string, unknown>): unknown;
}

/**
 * @kubernetes/client-node 2.0 builds a new undici Agent, so a new TLS connection, for every request; a full sync of
 * 2000 OAuthClients spent most of its CPU in TLS handshakes (bench/controller-sync). Keep one Agent per TLS identity
 * instead: rotated certificates or CA still get a fresh one, and tokens travel in headers, not in the Agent.
 */
export function reuseConnections(kubeConfig: KubeConfig): void {
  const factory = kubeConfig as unknown as DispatcherFactory;
  const create = factory.createDispatcher.bind(kubeConfig);
  const dispatchers = new Map<string, unknown>();
  factory.createDispatcher = (cluster, options) => {
    const identity = hash('sha256', JSON.stringify([cluster?.server, ...['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'].map((key) => String(options[key]))]));
    if (!dispatchers.has(identity)) dispatchers.set(identity, create(cluster, options));
    return dispatchers.get(identity);
  };
}
