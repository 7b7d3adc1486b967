// `npm start`'s dev mode as a user meets it: a process that prints what to try, serves the example clients with
// an in-memory store, and picks up edits to the clients folder without a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { freePort } from '../support/purser.ts';
import { oauthFailure } from '../support/rp.ts';

let child: ChildProcess;
let output = '';
let issuer: string;
let clientsDir: string;

beforeAll(async () => {
  clientsDir = await mkdtemp(join(tmpdir(), 'purser-dev-clients-'));
  await cp(new URL('../../examples/clients/', import.meta.url).pathname, clientsDir, { recursive: true });
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [new URL('../../src/cli.ts', import.meta.url).pathname, 'server', '--dev', `--port=${port}`, `--issuer=${issuer}`, `--clients-dir=${clientsDir}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  for (let waited = 0; !output.includes('Try the authorization code flow'); waited += 100) {
    if (waited > 20_000 || child.exitCode !== null) throw new Error(`dev server did not start:\n${output}`);
    await sleep(100);
  }
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await rm(clientsDir, { recursive: true, force: true });
});

const printedSecret = () => /client orders-worker\.default .* client_secret: (\S+)/.exec(output)?.[1];

async function serviceClient() {
  return oidc.discovery(new URL(issuer), 'orders-worker.default', printedSecret(), undefined, { execute: [oidc.allowInsecureRequests] });
}

describe('dev mode', () => {
  it('prints the clients, a generated secret, the demo user, a curl and the authorization URL', () => {
    expect(output).toContain(`Purser is running in dev mode at ${issuer}`);
    expect(printedSecret()).toMatch(/^[\w-]{43}$/);
    expect(output).toContain('demo user: demo / purser-demo');
    expect(output).toContain(`curl -s -u 'orders-worker.default:${printedSecret()}' -d grant_type=client_credentials ${issuer}/token`);
    expect(output).toMatch(/using ephemeral signing and cookie keys/);
    // The secret a Secret document supplies is not printed.
    expect(output).not.toContain('dev-only-dashboard-secret');
  });

  it('issues tokens with the printed secret', async () => {
    const tokens = await oidc.clientCredentialsGrant(await serviceClient(), { scope: 'orders:read' });
    expect(tokens.scope).toBe('orders:read');
  });

  it('lets the demo user sign in to the example web app', async () => {
    const web = await oidc.discovery(new URL(issuer), 'dashboard.default', 'dev-only-dashboard-secret-change-me-0123456789', undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(web, { redirect_uri: 'http://localhost:3000/callback', scope: 'openid profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
    let page = await browser.follow(await browser.get(url.href), 'http://localhost:3000/callback');
    page = await browser.follow(await browser.submit(page, { username: 'demo', password: 'purser-demo' }), 'http://localhost:3000/callback');
    page = await browser.follow(await browser.submit(page), 'http://localhost:3000/callback');
    const tokens = await oidc.authorizationCodeGrant(web, new URL(page.location!), { pkceCodeVerifier: verifier, expectedState: 's' });
    expect(tokens.claims()).toMatchObject({ sub: 'demo', name: 'Demo User' });
  });

  it('applies edits to the clients folder without a restart', async () => {
    const file = join(clientsDir, 'service.yaml');
    // The orders API must define and admit the new scope too (PURSER_TENANCY=enforced, the default).
    const api = join(clientsDir, 'orders-api.yaml');
    await writeFile(
      api,
      (await readFile(api, 'utf8'))
        .replace('    - name: orders:write\n', '    - name: orders:audit\n      description: Audit orders\n    - name: orders:write\n')
        .replace('scopes: [orders:read, orders:write]\n      flows: [clientCredentials]', 'scopes: [orders:read, orders:write, orders:audit]\n      flows: [clientCredentials]'),
    );
    await writeFile(file, (await readFile(file, 'utf8')).replace('scopes: [orders:read, orders:write]', 'scopes: [orders:read, orders:write, orders:audit]'));
    let granted: string | undefined;
    for (let tries = 0; tries < 30 && !granted; tries++) {
      granted = await oidc.clientCredentialsGrant(await serviceClient(), { scope: 'orders:audit' }).then((t) => t.scope, () => undefined);
      if (!granted) await sleep(100);
    }
    expect(granted).toBe('orders:audit');

    const rp = await serviceClient();
    await rm(file);
    let failure;
    for (let tries = 0; tries < 30 && failure?.error !== 'invalid_client'; tries++) {
      failure = await oauthFailure(oidc.clientCredentialsGrant(rp)).catch(() => undefined);
      if (failure?.error !== 'invalid_client') await sleep(100);
    }
    expect(failure?.error).toBe('invalid_client');
  });
});
