// README "Install on Kubernetes", continued: its OAuthClient, then its token-test Pod, which takes the client's
// Secret with envFrom and fetches a client_credentials token from the Service through the cluster's DNS; then
// `kubectl apply -f examples/clients/`.
import { join } from 'node:path';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

import { eventually, kubectl, kubectlJson } from '../support/cluster.ts';
import type { Figures } from '../support/figures.ts';
import { podMemoryMiB } from '../support/pod-memory.ts';
import { ISSUER, endpoint, pods } from '../support/purser.ts';
import { heredocs, readmeBlocks } from '../support/readme.ts';
import { REPO } from '../support/scripts.ts';

/** The server's JWKS, fetched from the Service (the issuer's host name resolves only inside the cluster). */
export async function jwks(): Promise<ReturnType<typeof createRemoteJWKSet>> {
  return createRemoteJWKSet(new URL(await endpoint('jwks_uri')));
}

export function readmeToken(figures: Figures): void {
  describe('README: an OAuthClient and a Pod that fetches a token with envFrom its Secret', () => {
    const [client, pod] = heredocs(readmeBlocks('Install on Kubernetes'));

    it('the OAuthClient becomes Ready', async () => {
      expect(client).toContain('kind: OAuthClient');
      expect(client).toContain('kind: OAuthAPI');
      await kubectl(['apply', '-f', '-'], client);
      await kubectl(['-n', 'default', 'wait', '--for=condition=Ready', 'oauthclient/orders-worker', 'oauthapi/orders', '--timeout=60s']);
    });

    it('the Pod gets a JWT access token that verifies against the issuer, audience and scope asked for', async () => {
      expect(pod).toContain('kind: Pod');
      await kubectl(['apply', '-f', '-'], pod);
      await kubectl(['-n', 'default', 'wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/token-test', '--timeout=180s']);
      const response = JSON.parse(await kubectl(['-n', 'default', 'logs', 'token-test'])) as Record<string, unknown>;
      figures.stop('helm install → first token');
      expect(response).toMatchObject({ token_type: 'Bearer', scope: 'orders:read', expires_in: 3600 });
      const { payload } = await jwtVerify(response.access_token as string, await jwks(), { issuer: ISSUER, audience: 'https://orders.example.com' });
      expect(payload).toMatchObject({ client_id: 'orders-worker.default', scope: 'orders:read' });
      await kubectl(['-n', 'default', 'delete', 'pod', 'token-test']);
      for (const component of ['server', 'controller', 'redis']) {
        const memory = (await pods(component)).map((pod) => `${podMemoryMiB(pod.uid).toFixed(0)} MiB`);
        figures.set(`memory at rest, ${component} pods`, memory.join(', '));
      }
    });

    it('kubectl apply -f examples/clients/ makes every example client Ready', async () => {
      await kubectl(['apply', '-f', join(REPO, 'examples/clients/')]);
      const names = await eventually('every example OAuthClient Ready', async () => {
        const list = await kubectlJson<{ items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }>(['-n', 'default', 'get', 'oauthclients']);
        const ready = list.items.every((item) => item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ready ? list.items.map((item) => item.metadata.name).sort() : undefined;
      });
      expect(names).toEqual(['cli', 'dashboard', 'device-cli', 'orders-worker']);
    });
  });
}
