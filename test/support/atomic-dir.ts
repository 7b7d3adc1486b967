// Replaces every file of a folder at once, the way the kubelet's AtomicWriter updates a Secret volume: a new
// timestamped folder, then a `..data` symlink swapped over with one rename, so readers see all old or all new files.
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

let versions = 0;

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
