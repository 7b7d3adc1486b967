// scripts/cluster.sh down leaves the machine as the global setup found it before `up`: no process of the cluster,
// no mount, iptables chain, link, address or cgroup it made, and the sysctls the components changed restored.
import { describe, expect, inject, it } from 'vitest';

import type { Figures } from '../support/figures.ts';
import { machineState } from '../support/machine-state.ts';
import { STATE_DIR, script } from '../support/scripts.ts';

export function teardown(figures: Figures): void {
  describe('scripts/cluster.sh down', () => {
    it('leaves processes, mounts, iptables chains, links, addresses, cgroups and sysctls as they were before up', async () => {
      const during = await machineState(STATE_DIR);
      // The check is worth something only if the cluster had changed each of these.
      const { before } = inject('e2e');
      expect(during.processes.length).toBeGreaterThan(before.processes.length);
      expect(during.chains.filter((chain) => / KUBE-/.test(chain)).length).toBeGreaterThan(0);
      expect(during.links).toContain('purser0');

      const started = Date.now();
      await script('cluster.sh', ['down']);
      figures.set('cluster.sh down', `${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(await machineState(STATE_DIR)).toEqual(before);
      figures.print();
    });
  });
}
