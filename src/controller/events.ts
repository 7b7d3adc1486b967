// Kubernetes Events about OAuthClients, so `kubectl describe` tells what the controller did and why.
import { hash } from 'node:crypto';
import { hostname } from 'node:os';

import { API_GROUP, API_VERSION, KIND } from '../api/types.ts';
import type { Logger } from '../log.ts';
import { statusCodeOf, type KubeApi, type OAuthClientResource } from './kube.ts';

export const COMPONENT = 'purser-controller';

export type EventType = 'Normal' | 'Warning';

/**
 * Records an Event. With `once`, a key naming the occurrence (the same on every retry and on every replica): the Event
 * gets a name derived from it, so a second attempt finds it there (409) instead of recording it twice, and a failure
 * is thrown (the caller retries) instead of logged, so the occurrence is never lost.
 */
export type RecordEvent = (client: OAuthClientResource, type: EventType, reason: string, message: string, once?: string) => Promise<void>;

/** The API server keeps at most this much of a message (events.k8s.io's note limit); longer user input is cut. */
const MAX_MESSAGE = 1024;

/** A valid Event name for `once`: the object's name (cut, ending in an alphanumeric) and a digest of the key. */
export function eventName(client: OAuthClientResource, once: string): string {
  const base = client.metadata.name.slice(0, 200).replace(/[^a-z0-9]+$/, '');
  return `${base}.${hash('sha256', `${client.metadata.uid}\n${once}`).slice(0, 16)}`;
}

export function eventRecorder(kube: KubeApi, log: Logger, now: () => Date = () => new Date()): RecordEvent {
  const instance = hostname().slice(0, 128);
  return async (client, type, reason, message, once) => {
    const { namespace, name, uid, resourceVersion } = client.metadata;
    const time = now();
    try {
      await kube.createEvent(namespace, {
        // generateName: the API server cuts a long prefix to fit.
        metadata: once ? { name: eventName(client, once), namespace } : { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, namespace, name, uid, resourceVersion },
        type,
        reason,
        message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: instance,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      });
    } catch (error) {
      if (once && statusCodeOf(error) === 409) return; // recorded by an earlier attempt
      if (once) throw error;
      log.warn({ err: error, namespace, name, reason }, 'could not record an Event');
    }
  };
}
