// Tools that relying-party tests run (oauth2-proxy, Authlib's venv), found or built by their cached scripts under
// scripts/. With CI=true a missing build is a failure, never a build inside a test: .ci/run builds them first.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const REPO = new URL('../../', import.meta.url).pathname;

/** For the first beforeAll of a file that needs a tool: on a machine without the cache, it is built first (minutes). */
export const PROVISION_TIMEOUT_MS = 30 * 60_000;

const found = new Map<string, Promise<string>>();

/**
 * The path that `scripts/<script>` prints on its last line (a binary, a venv's python), once per process.
 * Rejects with the script's output when it fails (with CI=true: when the cache is missing).
 */
export function cachedTool(script: string): Promise<string> {
  let path = found.get(script);
  if (!path) {
    const args = [join(REPO, 'scripts', script), ...(process.env.CI === 'true' ? ['--cached-only'] : [])];
    path = run('bash', args, { timeout: PROVISION_TIMEOUT_MS }).then(
      ({ stdout }) => stdout.trim().split('\n').at(-1)!,
      (error: Error & { stderr?: string }) => {
        throw new Error(`scripts/${script} failed${process.env.CI === 'true' ? ' (CI=true: missing infrastructure fails the run)' : ''}: ${error.stderr ?? error.message}`, { cause: error });
      },
    );
    found.set(script, path);
  }
  return path;
}
