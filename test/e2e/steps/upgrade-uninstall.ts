// `helm upgrade` with a changed value reaches the pods; then the chart README's uninstall: OAuthClients first, then
// `helm uninstall`, which leaves exactly what that README lists (keys Secret, Redis password and volume, the
// controller's Lease, the CRD).
import { describe, expect, it } from 'vitest';

import { eventually, helmCluster, kubectl, kubectlJson } from '../support/cluster.ts';
import { NAMESPACE, RELEASE, pods } from '../support/purser.ts';
import { CHART_DIR } from '../support/scripts.ts';

interface Deployment {
  spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
}

export function upgradeUninstall(): void {
  describe('helm upgrade and helm uninstall', () => {
    it('helm upgrade --set logLevel=debug rolls the server and controller out with PURSER_LOG_LEVEL=debug, every pod Ready', async () => {
      await helmCluster(['upgrade', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--reuse-values', '--set', 'logLevel=debug', '--wait', '--timeout', '10m']);
      for (const component of ['server', 'controller']) {
        const deployment = await kubectlJson<Deployment>(['-n', NAMESPACE, 'get', 'deployment', `${RELEASE}-${component}`]);
        expect(deployment.spec.template.spec.containers[0]!.env).toContainEqual({ name: 'PURSER_LOG_LEVEL', value: 'debug' });
        expect((await pods(component)).map((pod) => pod.ready)).toEqual([true, true]);
      }
    });

    it('after deleting the OAuthClients, helm uninstall leaves only the keys Secret, the Redis Secret and volume claim, the controller\'s Lease and the CRD', async () => {
      await kubectl(['delete', 'oauthclients', '--all', '-A', '--timeout=120s']);
      expect(await kubectl(['get', 'oauthclients', '-A', '-o', 'name'])).toBe('');
      await helmCluster(['uninstall', RELEASE, '-n', NAMESPACE, '--wait', '--timeout', '5m']);
      // --wait waits for the objects Helm deleted, not for their pods to finish terminating.
      await eventually('the release\'s pods gone', async () => ((await kubectl(['-n', NAMESPACE, 'get', 'pods', '-o', 'name'])) === '' ? true : undefined));

      // What the cluster itself puts in every namespace, and the users Secret the sign-in step made, are not the chart's.
      const left = await kubectl(['-n', NAMESPACE, 'get', 'all,secrets,configmaps,pvc,serviceaccounts,roles,rolebindings,leases', '-o', 'name']);
      expect(left.trim().split('\n').filter((name) => !/^(configmap\/kube-root-ca\.crt|serviceaccount\/default|secret\/e2e-users)$/.test(name)).sort()).toEqual([
        'lease.coordination.k8s.io/purser-controller',
        `persistentvolumeclaim/data-${RELEASE}-redis-0`,
        `secret/${RELEASE}-keys`,
        `secret/${RELEASE}-redis`,
      ]);
      expect(await kubectl(['get', 'crd', 'oauthclients.purser.dev', '-o', 'name'])).toBe('customresourcedefinition.apiextensions.k8s.io/oauthclients.purser.dev\n');
      expect(await kubectl(['get', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name'])).toBe('');
    });
  });
}
