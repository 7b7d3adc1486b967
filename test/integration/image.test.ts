// The container image, proven without a container engine: the layout the Dockerfile builds (its COPY list, its
// production-only `npm ci`, .dockerignore) is reproduced in a temporary directory and run as the image runs it —
// its ENTRYPOINT and ENV, no HOME, nothing to write — as the server and the controller against the run's Redis and
// Kubernetes API server, ending with a token for an OAuthClient. A devDependency imported at run time, a file
// missing from the COPY list or a write to the filesystem fails it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { verify } from '@node-rs/argon2';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';

import { settings, type Setting } from '../../src/config/settings.ts';
import { stopChild } from '../support/child-process.ts';
import { reproduceImage, type ImageLayout } from '../support/image-layout.ts';
import { createNamespace, kubeClients, kubectl, kubectlOk, secretData, waitFor, waitForReady } from '../support/kube.ts';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../support/redis.ts';
import { freePort } from '../support/redis-server.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const AUDIENCE = 'https://orders.image.test';

let root: string;
let layout: ImageLayout;
let home: string;
let temp: string;
let before: Map<string, string>;
let jwks: { keys: JWK[] };
const children: ChildProcess[] = [];

/** Every file and directory under `dir` with what a write would change. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const stats = await Promise.all(entries.map(async (entry) => {
    const path = join(entry.parentPath, entry.name);
    const { size, mtimeMs } = await stat(path).catch(() => ({ size: -1, mtimeMs: -1 })); // a dangling .bin link
    return [relative(dir, path), `${size}@${mtimeMs}`] as const;
  }));
  return new Map(stats);
}

/** The image's environment: its ENV, and a HOME and TMPDIR that show any attempt to write. */
function imageEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, TMPDIR: temp, ...layout.image.env, ...extra };
}

/** ENTRYPOINT + `args`, with `node` being the Node running the tests. */
function command(args: string[]): [string, string[]] {
  const [program, ...rest] = layout.image.entrypoint ?? [];
  if (program !== 'node') throw new Error(`ENTRYPOINT starts with ${program}; this test only knows how to run node`);
  return [process.execPath, [...rest, ...args]];
}

function run(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const [program, argv] = command(args);
  return new Promise((resolve) => {
    const child = execFile(program, argv, { cwd: layout.appDir, env: imageEnv() }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Started {
  const [program, argv] = command(args);
  const child = spawn(program, argv, { cwd: layout.appDir, env: imageEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForReadyz(started: Started, url: string): Promise<void> {
  await waitFor(`${url}/readyz`, async () => {
    if (started.child.exitCode !== null) throw new Error(`exited with ${started.child.exitCode}:\n${started.output()}`);
    return (await fetch(`${url}/readyz`)).status === 200;
  }, 30_000, 100);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'purser-image-'));
  home = join(root, 'home-that-does-not-exist');
  temp = join(root, 'tmp');
  await mkdir(temp);
  layout = await reproduceImage(REPO, join(root, 'build'));
  for (const { mode, output } of layout.npm) if (mode !== '--offline') console.warn(`[image.test] ${output}`);
  before = await snapshot(layout.appDir);
  const { stdout } = await run(['generate-keys']);
  jwks = JSON.parse(stdout) as { keys: JWK[] };
}, 180_000);

afterAll(async () => {
  await Promise.all(children.map((child) => stopChild(child)));
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('runs node src/cli.ts server as a numeric non-root user in production mode, exposing the default ports', async () => {
    const { image, stages } = layout;
    expect(image.user).toBe('1000:1000');
    expect(image.env).toMatchObject({ NODE_ENV: 'production', NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(image.entrypoint).toEqual(['node', 'src/cli.ts']);
    expect(image.cmd).toEqual(['server']);
    const defaultOf = (key: string) => (settings as readonly Setting[]).find((setting) => setting.key === key)!.default;
    expect(image.expose).toEqual(expect.arrayContaining([defaultOf('port'), defaultOf('controllerPort')]));
    expect(stages.every((stage) => stage.base === image.base)).toBe(true);
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { license: string };
    expect(image.labels['org.opencontainers.image.licenses']).toBe(pkg.license);
  });

  it('installs production dependencies only, and skips install scripts only because none needs one', async () => {
    const installs = layout.stages.flatMap((stage) => stage.steps).filter((step) => step.kind === 'npm-ci');
    expect(installs).toHaveLength(1);
    const { flags } = installs[0]!;
    expect(flags).toContain('--omit=dev');
    const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
    const packages = Object.entries(lock.packages).filter(([path]) => path);
    if (flags.includes('--ignore-scripts')) {
      expect(packages.filter(([, entry]) => entry.hasInstallScript && !entry.dev).map(([path]) => path)).toEqual([]);
    }
    const shippedDev = packages.filter(([path, entry]) => entry.dev && existsSync(join(layout.appDir, path))).map(([path]) => path);
    expect(shippedDev).toEqual([]);
  });

  it('ships only packages src imports through dependencies: none found only by hoisting (jose comes with oidc-provider)', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const specifiers = new Set<string>();
    for (const file of (await readdir(join(layout.appDir, 'src'), { recursive: true })).filter((name) => name.endsWith('.ts'))) {
      const text = await readFile(join(layout.appDir, 'src', file), 'utf8');
      // `import type` is erased; `import { type X }` is not (it still loads the module).
      const patterns = [/^import\s+(type\s+)?(?:[^;']*?\sfrom\s*)?'([^']+)'/gm, /^export\s+(type\s+)?[^;']*?\sfrom\s*'([^']+)'/gm, /\bimport\(\s*()'([^']+)'\s*\)/g];
      for (const pattern of patterns) for (const [, type, specifier] of text.matchAll(pattern)) if (!type) specifiers.add(specifier!);
    }
    const packages = [...specifiers].filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:')).map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
    expect(packages.length).toBeGreaterThan(0);
    expect([...new Set(packages)].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });

  it('ships neither tests, benches, examples other than dev mode\'s clients, nor repository files', async () => {
    const top = await readdir(layout.appDir);
    for (const name of ['test', 'bench', 'deploy', 'crds', 'scripts', '.git', 'README.md', 'Dockerfile']) expect(top).not.toContain(name);
    expect(await readdir(join(layout.appDir, 'examples'))).toEqual(['clients']);
    expect([...before.keys()].filter((path) => /(^|\/)\.env/.test(path) && !path.startsWith('node_modules/'))).toEqual([]);
  });
});

describe('the image, run', () => {
  it('without a command, prints the usage on stderr and exits 2; --version prints the package version', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^usage: purser <command>/);
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('refuses pretty logs with a message, not a stack: pino-pretty is a development dependency', async () => {
    const { code, stderr } = await run(['server', '--log-format=pretty', '--redis-url=redis://127.0.0.1:1', '--jwks-file=/nonexistent', '--cookie-keys-file=/nonexistent']);
    expect(code).toBe(2);
    expect(stderr).toBe('purser: PURSER_LOG_FORMAT=pretty needs the pino-pretty package, which only a development install has (npm install); use json\n');
  });

  it('server --dev (a trial with `docker run -p 4000:4000 purser server --dev`) listens on every address, logs JSON and serves the example clients', async () => {
    // The image's ENV is what makes dev mode reachable through a published port; the run itself stays on loopback.
    const { loadConfig } = await import('../../src/config/load.ts');
    expect(loadConfig(['--dev'], layout.image.env)).toMatchObject({ host: '0.0.0.0', logFormat: 'json', clientsDir: 'examples/clients', devServiceAccountIssuerKey: '/tmp/purser-dev/service-account-issuer.jwk' });
    const port = await freePort();
    // The container's /tmp, here a folder of the test's own (the app directory stays untouched: see the last test).
    const containerTmp = await mkdtemp(join(tmpdir(), 'purser-image-tmp-'));
    const issuerKey = join(containerTmp, 'purser-dev/service-account-issuer.jwk');
    onTestFinished(() => rm(containerTmp, { recursive: true, force: true }));
    const dev = start(['server', '--dev', '--host=127.0.0.1', `--port=${port}`, `--issuer=http://127.0.0.1:${port}`], { PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY: issuerKey });
    await waitForReadyz(dev, `http://127.0.0.1:${port}`);
    const listening = dev.output().split('\n').find((line) => line.includes('purser server listening'))!;
    expect(JSON.parse(listening)).toMatchObject({ msg: 'purser server listening', store: 'memory', clients: expect.any(Number) });
    expect((JSON.parse(listening) as { clients: number }).clients).toBeGreaterThan(0);
    // Dev mode's ServiceAccount issuer (README "Workload identity") made its key where the image's ENV points.
    expect(existsSync(issuerKey)).toBe(true);
    await stopChild(dev.child);
  });

  it('generate-keys prints a JWKS with a private ES256 and a private RS256 key', () => {
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) expect(key).toMatchObject({ kid: expect.any(String), d: expect.any(String) });
  });

  it('hash-password hashes with argon2id: the prebuilt native binary was installed without install scripts', async () => {
    const { code, stdout } = await run(['hash-password'], 'a good password\n');
    expect(code).toBe(0);
    expect(await verify(stdout.trim(), 'a good password')).toBe(true);
  });
});

describe('the server and the controller from the image', () => {
  const prefix = uniquePrefix('image');
  let namespace: string;
  let issuer: string;
  let server: Started;
  let controller: Started;
  let controllerUrl: string;

  beforeAll(async () => {
    namespace = await createNamespace('image');
  });

  afterAll(async () => {
    await kubectl(['delete', 'oauthclients', '--all', '-n', namespace, '--wait=false']);
    await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    const redis = connectTestRedis();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('server: in production mode with Redis and mounted keys, it gets ready and publishes its issuer and both keys', async () => {
    const secrets = join(root, 'secrets');
    await mkdir(secrets);
    await writeFile(join(secrets, 'jwks.json'), JSON.stringify(jwks));
    await writeFile(join(secrets, 'cookie-keys'), `${randomBytes(32).toString('base64url')}\n`);
    const [port, metricsPort] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${port}`;
    server = start(
      [...layout.image.cmd!, `--issuer=${issuer}`, '--host=127.0.0.1', `--port=${port}`, `--metrics-port=${metricsPort}`, `--redis-url=${inject('redisUrl')}`, `--redis-key-prefix=${prefix}`],
      { PURSER_JWKS_FILE: join(secrets, 'jwks.json'), PURSER_COOKIE_KEYS_FILE: join(secrets, 'cookie-keys') },
    );
    await waitForReadyz(server, issuer);

    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(issuer);
    const published = (await (await fetch(discovery.jwks_uri)).json()) as { keys: JWK[] };
    expect(published.keys.map((key) => key.kid).sort()).toEqual(jwks.keys.map((key) => key.kid).sort());
    expect(published.keys.filter((key) => 'd' in key)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
  });

  it('controller: against the API server it gets ready, and an OAuthClient it syncs gets a token from the server', async () => {
    const port = await freePort();
    controllerUrl = `http://127.0.0.1:${port}`;
    controller = start([
      'controller',
      `--kubeconfig=${inject('kubeconfig')}`,
      `--redis-url=${inject('redisUrl')}`,
      `--redis-key-prefix=${prefix}`,
      `--issuer=${issuer}`,
      `--namespaces=${namespace}`,
      `--lease-namespace=${namespace}`,
      '--keys-secret=purser-keys',
      '--host=127.0.0.1',
      `--controller-port=${port}`,
    ]);
    await waitForReadyz(controller, controllerUrl);
    // It makes the server's key Secret, with keys generated by the image's crypto.
    const keys = await waitFor('the key Secret', () => kubeClients().getSecret(namespace, 'purser-keys'));
    expect((JSON.parse(secretData(keys)['jwks.json']!) as { keys: JWK[] }).keys.map((key) => key.alg).sort()).toEqual(['ES256', 'ES256', 'RS256', 'RS256']);

    const manifest = { apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { name: 'orders-worker' }, spec: { grantTypes: ['client_credentials'], scopes: ['orders:read'], audiences: [AUDIENCE] } };
    await kubectlOk(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify(manifest) });
    await waitForReady(namespace, 'orders-worker');
    // The audience's OAuthAPI admits it (PURSER_TENANCY=enforced, the default).
    const api = { apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthAPI', metadata: { name: 'orders' }, spec: { audience: AUDIENCE, scopes: [{ name: 'orders:read' }], access: [{ clients: [{ namespace, name: 'orders-worker' }], scopes: ['orders:read'], flows: ['clientCredentials'] }] } };
    await kubectlOk(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify(api) });
    await waitFor('the OAuthAPI to admit the client', async () => (await kubectlOk(['get', 'oauthapi', 'orders', '-n', namespace, '-o', 'jsonpath={.status.admittedClientCount}'])) === '1');
    const secret = await waitFor('the client Secret', () => kubeClients().getSecret(namespace, 'orders-worker-oauth-client'));
    const { client_id, client_secret } = secretData(secret);

    const rp = await oidc.discovery(new URL(issuer), client_id!, client_secret, oidc.ClientSecretBasic(client_secret!), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(rp, { scope: 'orders:read' });
    const es256 = jwks.keys.find((key) => key.alg === 'ES256')!;
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', kid: es256.kid });
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!)), { issuer, audience: AUDIENCE });
    expect(payload).toMatchObject({ client_id, scope: 'orders:read' });

    // Deletion runs the finalizer, which revokes in Redis: the rest of the controller's code paths at run time.
    await kubectlOk(['delete', 'oauthclient', 'orders-worker', '-n', namespace, '--wait=true', '--timeout=20s']);
    await kubectlOk(['delete', 'oauthapi', 'orders', '-n', namespace, '--wait=true', '--timeout=20s']);
  });

  it('both stop on SIGTERM with exit code 0', async () => {
    for (const started of [controller, server]) {
      await stopChild(started.child);
      expect(await started.exited, started.output()).toBe(0);
    }
  });

  it('wrote nothing: the application directory is unchanged, HOME was never created, TMPDIR is empty', async () => {
    const after = await snapshot(layout.appDir);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path));
    expect(changed).toEqual([]);
    expect(existsSync(home)).toBe(false);
    expect(await readdir(temp)).toEqual([]);
  });
});
