// The helper commands a platform team uses to prepare a production install.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';

import { envName, flagName, type Setting, settings } from '../../src/config/settings.ts';
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

  it.each(['server', 'controller'])('%s --help lists every flag with its environment variable and default, and exits 0', async (command) => {
    const { stdout, code } = await purser([command, '--help']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    for (const setting of settings as readonly Setting[]) {
      const line = lines.find((text) => text.trimStart().startsWith(`--${flagName(setting.key)} `) || text.trim() === `--${flagName(setting.key)}`);
      expect(line, flagName(setting.key)).toContain(envName(setting.key));
      expect(line).toContain(setting.default === undefined ? 'no default' : `default ${setting.default}`);
      if (setting.devDefault !== undefined) expect(line).toContain(`with --dev ${setting.devDefault}`);
    }
  });

  it('dev mode with a clients folder that is not there says so in one line, with exit code 2', async () => {
    const { stderr, code } = await purser(['server', '--dev', '--log-format=json', '--port=0', '--clients-dir=/nonexistent/clients']);
    expect(code).toBe(2);
    expect(stderr).toBe('purser: PURSER_CLIENTS_DIR: no folder at /nonexistent/clients; create it or choose another with --clients-dir\n');
  });

  it('a port already in use ends the server with one line naming the address and the setting, and exit code 2', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const { stderr, code } = await purser(['server', '--dev', '--log-format=json', `--port=${port}`]);
      expect(code).toBe(2);
      expect(stderr).toBe(`purser: cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens on it); choose another with --port or PURSER_PORT (the address: --host or PURSER_HOST)\n`);
    } finally {
      holder.close();
    }
  });
});
