// The helper commands a platform team uses to prepare a production install.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';

import { loadSigningKeys } from '../../src/server/provider/keys.ts';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

function purser(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? Number(error.code ?? 1) : 0 });
    });
    child.stdin!.end(input ?? '');
  });
}

describe('purser CLI', () => {
  it('hash-password prints an argon2id hash of stdin (without its trailing newline)', async () => {
    const { stdout, code } = await purser(['hash-password'], 'a good password\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\$argon2id\$/);
    expect(await verify(stdout.trim(), 'a good password')).toBe(true);
  });

  it('generate-keys prints a JWKS the server accepts', async () => {
    const { stdout } = await purser(['generate-keys']);
    const file = join(await mkdtemp(join(tmpdir(), 'purser-cli-')), 'jwks.json');
    await writeFile(file, stdout);
    const { keys } = await loadSigningKeys(file);
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
  });

  it('refuses to start in production mode without Redis and keys, saying what is missing', async () => {
    const { stderr, code } = await purser(['server']);
    expect(code).toBe(2);
    expect(stderr).toContain('production mode needs PURSER_REDIS_URL, PURSER_JWKS_FILE, PURSER_COOKIE_KEYS_FILE (or run with --dev for a local trial)');
  });

  it('prints usage for an unknown command', async () => {
    const { stderr, code } = await purser(['serve']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: purser <command>/);
  });
});
