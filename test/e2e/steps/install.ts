// README "Install on Kubernetes": its `helm install`, with the local image and --wait; every pod of the release Ready.
import { describe, expect, it } from 'vitest';

import { helmCluster } from '../support/cluster.ts';
import type { Figures } from '../support/figures.ts';
import { NAMESPACE, RELEASE, imageValues, pods } from '../support/purser.ts';
import { command, readmeBlocks } from '../support/readme.ts';
import { CHART_DIR } from '../support/scripts.ts';

/** The README's `helm install`, with `--set image.repository=…` replaced by the image this run built. */
function readmeHelmInstall(): string[] {
  const words = command(readmeBlocks('Install on Kubernetes'), 'helm install');
  expect(words.slice(0, 5)).toEqual(['helm', 'install', RELEASE, 'charts/purser', '--namespace']);
  expect(words[5]).toBe(NAMESPACE);
  const at = words.indexOf('--set');
  expect(words[at + 1]).toMatch(/^image\.repository=/);
  words.splice(at, 2, ...imageValues());
  words[3] = CHART_DIR;
  return words.slice(1);
}

export function install(figures: Figures): void {
  describe('helm install as the README says', () => {
    it('installs the chart with --wait: two server, two controller and one Redis pod, every one Ready', async () => {
      figures.start('helm install → first token');
      const started = Date.now();
      await helmCluster([...readmeHelmInstall(), '--wait', '--timeout', '10m']);
      figures.set('helm install --wait', `${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect((await pods('server')).map((pod) => pod.ready)).toEqual([true, true]);
      expect((await pods('controller')).map((pod) => pod.ready)).toEqual([true, true]);
      expect((await pods('redis')).map((pod) => pod.ready)).toEqual([true]);
    });
  });
}
