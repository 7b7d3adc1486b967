// The bundled Redis on its volume: with its pod gone the servers turn unready (the StatefulSet is scaled to 0 rather
// than the pod deleted, since a pod that comes straight back is gone for less than the readiness probe needs to
// notice), and what was in Redis before (an opaque access token, the client catalog) is there again in its new pod,
// read back from the append-only file on the volume.
import { describe, expect, it } from 'vitest';

import { eventually, kubectl } from '../support/cluster.ts';
import { NAMESPACE, RELEASE, clientCredentialsToken, clientSecret, endpoint, pods, postForm } from '../support/purser.ts';

// An API of its own admits the client (PURSER_TENANCY=enforced): the examples' orders API admits only its own clients.
const CLIENT = `apiVersion: purser.dev/v1alpha1
kind: OAuthAPI
metadata: {name: e2e-store, namespace: default}
spec:
  audience: https://store.e2e.test
  scopes: [{name: store:read, description: Read the store}]
  access: [{clients: [{namespace: default, name: e2e-opaque}], scopes: [store:read], flows: [clientCredentials]}]
---
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: {name: e2e-opaque, namespace: default}
spec:
  grantTypes: [client_credentials]
  scopes: [store:read]
  audiences: [https://store.e2e.test]
  accessToken: {format: opaque, ttl: 1h}
`;

export function redisRestart(): void {
  describe('the bundled Redis loses its pod', () => {
    it('servers turn unready while it is gone and Ready again after; an opaque token issued before is still active', async () => {
      await kubectl(['apply', '-f', '-'], CLIENT);
      await kubectl(['-n', 'default', 'wait', '--for=condition=Ready', 'oauthclient/e2e-opaque', 'oauthapi/e2e-store', '--timeout=60s']);
      const client = await clientSecret('default', 'e2e-opaque-oauth-client');
      const token = await clientCredentialsToken(client, 'store:read');
      // Redis writes the append-only file every second: give the last write time to reach the disk.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const [before] = await pods('redis');

      await kubectl(['-n', NAMESPACE, 'scale', `statefulset/${RELEASE}-redis`, '--replicas=0']);
      await eventually('every server pod unready while Redis is gone', async () => ((await pods('server')).every((pod) => !pod.ready) ? true : undefined), 90_000);
      await kubectl(['-n', NAMESPACE, 'scale', `statefulset/${RELEASE}-redis`, '--replicas=1']);
      await kubectl(['-n', NAMESPACE, 'rollout', 'status', `statefulset/${RELEASE}-redis`, '--timeout=180s']);
      await eventually('every server pod Ready again', async () => ((await pods('server')).every((pod) => pod.ready) ? true : undefined), 120_000);
      const [after] = await pods('redis');
      expect(after!.uid).not.toBe(before!.uid);

      const introspection = await postForm(await endpoint('introspection_endpoint'), client, { token });
      expect(introspection).toMatchObject({ status: 200, body: { active: true, client_id: 'e2e-opaque.default', scope: 'store:read' } });
    });
  });
}
