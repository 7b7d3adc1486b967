// What the kubelet does for a Secret volume, for a control plane without kubelets: the Secret's keys as files in a
// folder, updated the way its AtomicWriter does it, so a server reading the files sees the same layout and the same
// kind of change as in a pod.
import { mkdir } from 'node:fs/promises';

import type { V1Secret } from '@kubernetes/client-node';

import { writeAtomically } from './atomic-dir.ts';
import { kubeClients } from './kube.ts';

export interface SecretVolume {
  /** The folder the Secret is "mounted" at. */
  dir: string;
  /** How many versions of the Secret have been projected. */
  readonly updates: number;
  stop(): void;
}

const filesOf = (secret: V1Secret) => Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));

/** Mounts `namespace/name` at `dir` once it exists, and follows every change of it (polling, as the kubelet does). */
export async function mountSecret(namespace: string, name: string, dir: string, intervalMs = 200): Promise<SecretVolume> {
  const { getSecret } = kubeClients();
  await mkdir(dir, { recursive: true });
  let seen: string | undefined;
  let updates = 0;
  let stopped = false;
  const sync = async () => {
    const secret = await getSecret(namespace, name);
    if (!secret || secret.metadata?.resourceVersion === seen) return;
    seen = secret.metadata?.resourceVersion;
    await writeAtomically(dir, filesOf(secret));
    updates++;
  };
  const loop = async () => {
    while (!stopped) {
      await sync();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  void loop();
  return {
    dir,
    get updates() {
      return updates;
    },
    stop: () => {
      stopped = true;
    },
  };
}
