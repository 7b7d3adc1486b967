// The helper commands a platform team uses to prepare a production install.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';

import { settingCommand } from '../../src/config/help.ts';
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
    expect(stderr).toMatch(/^purser: unknown command "serve"\nusage: purser <command>/);
  });

  it('without a command prints usage on stderr and exits 2', async () => {
    const { stdout, stderr, code } = await purser([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^usage: purser <command>/);
  });

  it.each([['--help'], ['-h'], ['help']])('purser %s prints usage on stdout and exits 0', async (flag) => {
    const { stdout, code } = await purser([flag]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: purser <command>/);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { stdout, code } = await purser(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it.each([['--help'], ['-h']])('mint-sa-token %s prints its usage and exits 0', async (flag) => {
    const { stdout, stderr, code } = await purser(['mint-sa-token', flag]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^usage: purser mint-sa-token --namespace NS --service-account NAME/);
  });

  it.each([
    [['--nmespace', 'team-a'], "purser mint-sa-token: Unknown option '--nmespace'\n"],
    [['--namespace', 'Team_A', '--service-account', 'api'], 'purser mint-sa-token: --namespace: "Team_A" is not a Kubernetes namespace name (a DNS-1123 label: lower-case letters, digits and -, at most 63)\n'],
    [['--namespace', 'team-a', '--service-account', 'api/x'], 'purser mint-sa-token: --service-account: "api/x" is not a Kubernetes ServiceAccount name (a DNS-1123 subdomain: lower-case letters, digits, - and ., at most 253)\n'],
    [['--namespace', 'team-a', '--service-account', 'api', '--expiration-seconds', 'ten'], 'purser mint-sa-token: --expiration-seconds: expected a positive integer, got "ten"\n'],
    [['--namespace', 'team-a', '--service-account', 'api', '--expiration-seconds', '0'], 'purser mint-sa-token: --expiration-seconds: expected a positive integer, got "0"\n'],
    [['--namespace', 'team-a', '--service-account', 'api', '--expiration-seconds=-5'], 'purser mint-sa-token: --expiration-seconds: expected a positive integer, got "-5"\n'],
  ])('mint-sa-token %j refuses in one line with exit code 2, signing nothing', async (args, message) => {
    const { stdout, stderr, code } = await purser(['mint-sa-token', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(message);
  });

  it.each(['server', 'controller'] as const)('%s --help lists every flag it reads with its environment variable and default, and exits 0', async (command) => {
    const { stdout, code } = await purser([command, '--help']);
    expect(code).toBe(0);
    // A flag's block runs up to the next flag; a long flag has its variable on the line below.
    const blocks = stdout.split(/\n(?= {2}--)/);
    for (const setting of settings as readonly Setting[]) {
      const block = blocks.find((text) => text.trimStart().startsWith(`--${flagName(setting.key)} `) || text.trimStart().startsWith(`--${flagName(setting.key)}\n`));
      if (settingCommand(setting) === (command === 'server' ? 'controller' : 'server')) {
        expect(block, flagName(setting.key)).toBeUndefined();
        continue;
      }
      expect(block, flagName(setting.key)).toContain(envName(setting.key));
      expect(block).toContain(setting.default === undefined ? 'no default' : `default ${setting.default}`);
      if (setting.devDefault !== undefined) expect(block).toContain(`with --dev ${setting.devDefault}`);
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
