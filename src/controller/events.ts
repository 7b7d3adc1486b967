// Kubernetes Events about OAuthClients, so `kubectl describe` tells what the controller did and why.
import { hostname } from 'node:os';

import { API_GROUP, API_VERSION, KIND } from '../api/types.ts';
import type { Logger } from '../log.ts';
import type { KubeApi, OAuthClientResource } from './kube.ts';

export const COMPONENT = 'purser-controller';

export type EventType = 'Normal' | 'Warning';

export type RecordEvent = (client: OAuthClientResource, type: EventType, reason: string, message: string) => Promise<void>;

/** Events are advisory: a failure to record one is logged, never fails a reconcile. */
export function eventRecorder(kube: KubeApi, log: Logger, now: () => Date = () => new Date()): RecordEvent {
  const instance = hostname();
  return async (client, type, reason, message) => {
    const { namespace, name, uid, resourceVersion } = client.metadata;
    const time = now();
    try {
      await kube.createEvent(namespace, {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, namespace, name, uid, resourceVersion },
        type,
        reason,
        message,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: instance,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      });
    } catch (error) {
      log.warn({ err: error, namespace, name, reason }, 'could not record an Event');
    }
  };
}
