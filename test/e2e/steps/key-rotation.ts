// Signing-key rotation for real: with a short rotation period the controller promotes the next key in the Secret
// "<fullname>-keys", the kubelet updates the file each server pod mounts, and each pod signs with the new key
// without a restart; a token signed before still verifies against the JWKS the pods serve.
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';

import { eventually, helmCluster, kubectlJson } from '../support/cluster.ts';
import type { Figures } from '../support/figures.ts';
import { ISSUER, NAMESPACE, RELEASE, clientCredentialsToken, clientSecret, pods, postForm } from '../support/purser.ts';
import { CHART_DIR } from '../support/scripts.ts';
import { jwks } from './readme-token.ts';

/** The kid the keys Secret names as signing now. */
async function currentKid(): Promise<string | undefined> {
  const secret = await kubectlJson<{ data: Record<string, string> }>(['-n', NAMESPACE, 'get', 'secret', `${RELEASE}-keys`]);
  const keys = JSON.parse(Buffer.from(secret.data['jwks.json']!, 'base64').toString()) as { keys: { kid: string; purser?: { state: string } }[] };
  return keys.keys.find((key) => key.purser?.state === 'current')?.kid;
}

/** The kid a token from this very pod is signed with (its pod IP, port 4000, bypassing the Service). */
async function kidFromPod(podIp: string, client: Awaited<ReturnType<typeof clientSecret>>): Promise<string> {
  const { status, body } = await postForm(`http://${podIp}:4000/token`, client, { grant_type: 'client_credentials', scope: 'orders:read' });
  if (status !== 200) throw new Error(`token request to ${podIp} failed with ${status}`);
  return decodeProtectedHeader(body.access_token as string).kid!;
}

export function keyRotation(figures: Figures): void {
  describe('signing-key rotation reaches running server pods through the mounted Secret', () => {
    it('each server pod signs with the promoted key without restarting, and an older token still verifies', async () => {
      const client = await clientSecret('default', 'orders-worker-oauth-client');
      const oldToken = await clientCredentialsToken(client, 'orders:read');
      const oldKid = decodeProtectedHeader(oldToken).kid;

      await helmCluster(['upgrade', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--reuse-values', '--wait', '--timeout', '10m',
        '--set', 'signingKeys.rotationPeriod=60s', '--set', 'signingKeys.propagationDelay=20s', '--set', 'server.keysReloadInterval=2s']);
      // The pods of the upgrade's rollout, without those of the previous one that are still terminating.
      const servers = await pods('server');
      expect(servers.map((pod) => pod.ready)).toEqual([true, true]);

      const newKid = await eventually('the controller promotes another key', async () => {
        const kid = await currentKid();
        return kid && kid !== oldKid ? kid : undefined;
      }, 300_000);
      const promoted = Date.now();
      for (const pod of servers) {
        await eventually(`pod ${pod.name} signs with ${newKid}`, async () => ((await kidFromPod(pod.ip, client)) === newKid ? true : undefined), 300_000);
      }
      figures.set('key rotation: Secret updated → every server pod signs with the new key', `${((Date.now() - promoted) / 1000).toFixed(1)} s`);

      expect((await pods('server')).map((pod) => [pod.uid, pod.restarts])).toEqual(servers.map((pod) => [pod.uid, 0]));
      const { protectedHeader } = await jwtVerify(oldToken, await jwks(), { issuer: ISSUER, audience: 'https://orders.example.com' });
      expect(protectedHeader.kid).toBe(oldKid);
    });
  });
}
