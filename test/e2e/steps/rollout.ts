// `kubectl rollout restart` of the server under a steady token load: the preStop pause and readiness keep every
// request answered while each pod is replaced.
import { describe, expect, it } from 'vitest';

import { kubectl } from '../support/cluster.ts';
import type { Figures } from '../support/figures.ts';
import { NAMESPACE, RELEASE, clientSecret, endpoint, pods, postForm } from '../support/purser.ts';

/** Concurrent request loops; each stops when the rollout is over or after this many requests (a bound, not a goal). */
const LOOPS = 4;
const MAX_REQUESTS_PER_LOOP = 20_000;

export function rollout(figures: Figures): void {
  describe('rollout restart of the server under load', () => {
    it('answers every client_credentials request with a token while every server pod is replaced', async () => {
      const client = await clientSecret('default', 'orders-worker-oauth-client');
      const tokenUrl = await endpoint('token_endpoint');
      const before = new Set((await pods('server')).map((pod) => pod.uid));
      let done = false;
      const failures: string[] = [];
      let answered = 0;
      const loop = async () => {
        for (let i = 0; i < MAX_REQUESTS_PER_LOOP && !done; i++) {
          try {
            const { status, body } = await postForm(tokenUrl, client, { grant_type: 'client_credentials', scope: 'orders:read' });
            if (status === 200 && typeof body.access_token === 'string') answered++;
            else failures.push(`${status} ${JSON.stringify(body)}`);
          } catch (error) {
            failures.push(String((error as Error).cause ?? error));
          }
        }
      };
      const loops = Array.from({ length: LOOPS }, loop);
      const started = Date.now();
      await kubectl(['-n', NAMESPACE, 'rollout', 'restart', `deployment/${RELEASE}-server`]);
      await kubectl(['-n', NAMESPACE, 'rollout', 'status', `deployment/${RELEASE}-server`, '--timeout=300s']);
      figures.set('server rollout restart (2 replicas)', `${((Date.now() - started) / 1000).toFixed(1)} s, ${answered} tokens meanwhile`);
      done = true;
      await Promise.all(loops);

      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(0);
      const after = await pods('server');
      expect(after.map((pod) => pod.ready)).toEqual([true, true]);
      expect(after.filter((pod) => before.has(pod.uid))).toEqual([]);
    });
  });
}
