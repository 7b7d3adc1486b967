// A bench's way to stop a child process: once, however often it is asked (SIGTERM, SIGKILL after 5 s).
import type { ChildProcess } from 'node:child_process';

import { stopChild } from '../../test/support/child-process.ts';

export function stopper(child: ChildProcess): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => (stopped ??= stopChild(child));
}
