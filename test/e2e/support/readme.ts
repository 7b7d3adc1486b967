// The commands and manifests of the README, so that the end-to-end tests run what the README tells a user to run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from './scripts.ts';

/** The ```sh blocks of the README section `## <title>`. Throws when the section or its blocks are missing. */
export function readmeBlocks(title: string): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "## ${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  if (blocks.length === 0) throw new Error(`README section "${title}" has no sh block`);
  return blocks;
}

/** The bodies of the `<<'YAML'` here-documents in `blocks`, in order. */
export function heredocs(blocks: string[]): string[] {
  return blocks.flatMap((block) => [...block.matchAll(/<<'YAML'\n([\s\S]*?)\nYAML\n/g)].map((match) => match[1]!));
}

/** The words of the first command in `blocks` that starts with `prefix` (continued lines joined, comments dropped). */
export function command(blocks: string[], prefix: string): string[] {
  for (const block of blocks) {
    const lines = block.replaceAll('\\\n', ' ').split('\n').map((line) => line.replace(/\s+#.*$/, '').trim());
    const found = lines.find((line) => line.startsWith(prefix));
    if (found) return found.split(/\s+/);
  }
  throw new Error(`no command starting with "${prefix}" in the README blocks`);
}
