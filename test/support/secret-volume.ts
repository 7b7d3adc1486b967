// What the kubelet does for a Secret volume, for a control plane without kubelets: the Secret's keys as files in a
// folder, updated the way its AtomicWriter does it (a new timestamped folder, then a `..data` symlink swapped over
// with one rename), so a server reading the files sees the same layout and the same kind of change as in a pod.
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { V1Secret } from '@kubernetes/client-node';

import { kubeClients } from './kube.ts';

export interface SecretVolume {
  /** The folder the Secret is "mounted" at. */
  dir: string;
  /** How many versions of the Secret have been projected. */
  readonly updates: number;
  stop(): void;
}

let versions = 0;

/** Replaces every file in `dir` at once, as the kubelet's AtomicWriter does: readers see all old or all new files. */
export async function writeAtomically(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  const versionDir = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${++versions}`;
  await mkdir(join(dir, versionDir), { recursive: true });
  for (const [key, value] of Object.entries(files)) await writeFile(join(dir, versionDir, key), value, { mode: 0o444 });
  const previous = await readlink(join(dir, '..data')).catch(() => undefined);
  await symlink(versionDir, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const key of Object.keys(files)) await symlink(join('..data', key), join(dir, key)).catch(() => undefined);
  if (previous) await rm(join(dir, previous), { recursive: true });
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
