// `npm start`'s dev mode as a user meets it: a process that prints what to try, serves the example clients with
// an in-memory store, and picks up edits to the clients folder without a restart.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { approve, poll } from '../support/device.ts';
import { freePort } from '../support/purser.ts';
import { oauthFailure } from '../support/rp.ts';

const run = promisify(execFile);

let child: ChildProcess;
let output = '';
let issuer: string;
let clientsDir: string;

beforeAll(async () => {
  clientsDir = await mkdtemp(join(tmpdir(), 'purser-dev-clients-'));
  await cp(new URL('../../examples/clients/', import.meta.url).pathname, clientsDir, { recursive: true });
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [new URL('../../src/cli.ts', import.meta.url).pathname, 'server', '--dev', `--port=${port}`, `--issuer=${issuer}`, `--clients-dir=${clientsDir}`, `--dev-service-account-issuer-key=${issuerKeyFile()}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  // The banner is written to stdout at once; the warning goes through the pretty logger's worker and may come later.
  const started = () => output.includes('Try the authorization code flow') && output.includes('using ephemeral signing and cookie keys');
  for (let waited = 0; !started(); waited += 100) {
    if (waited > 20_000 || child.exitCode !== null) throw new Error(`dev server did not start:\n${output}`);
    await sleep(100);
  }
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await rm(clientsDir, { recursive: true, force: true });
  await rm(issuerKeyFile(), { force: true });
});

/** The dev ServiceAccount issuer's key, beside the clients folder (not in the checkout). */
const issuerKeyFile = () => `${clientsDir}-issuer.jwk`;

const printedSecret = () => /client orders-worker\.default .* client_secret: (\S+)/.exec(output)?.[1];

async function serviceClient() {
  return oidc.discovery(new URL(issuer), 'orders-worker.default', undefined, oidc.ClientSecretBasic(printedSecret()!), { execute: [oidc.allowInsecureRequests] });
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

  it('OIDC Core §11: the printed authorization URL asks for consent, so the printed curl redeems its code for a refresh token too', async () => {
    const printedUrl = /^ {2}(http\S+\/auth\?\S+)$/m.exec(output)![1]!;
    expect(new URL(printedUrl).searchParams.get('prompt')).toBe('consent');
    const redirectUri = new URL(printedUrl).searchParams.get('redirect_uri')!;
    const browser = new Browser();
    let page = await browser.follow(await browser.get(printedUrl), redirectUri);
    page = await browser.follow(await browser.submit(page, { username: 'demo', password: 'purser-demo' }), redirectUri);
    page = await browser.follow(await browser.submit(page), redirectUri);
    const code = new URL(page.location!).searchParams.get('code')!;
    // The printed curl, with the code from the address bar: its -d and --data-urlencode fields, in a form body.
    const curl = /^ {2}curl -s (-d grant_type=authorization_code .*) (http\S+\/token)$/m.exec(output)!;
    const body = new URLSearchParams([...curl[1]!.matchAll(/(?:-d|--data-urlencode) (\w+)=("\$CODE"|\S+)/g)].map(([, name, value]) => [name!, value === '"$CODE"' ? code : value!]));
    const response = await fetch(curl[2]!, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(Object.keys(await response.json())).toEqual(expect.arrayContaining(['access_token', 'id_token', 'refresh_token']));
  });

  it('issues tokens with the printed secret', async () => {
    const tokens = await oidc.clientCredentialsGrant(await serviceClient(), { scope: 'orders:read' });
    expect(tokens.scope).toBe('orders:read');
  });

  it('RFC 7523 §2.2: the printed mint-sa-token and curl get a token with a ServiceAccount token of the local dev issuer, naming the ServiceAccount', async () => {
    const lines = output.split('\n').map((line) => line.trim());
    const mint = lines.find((line) => line.startsWith('TOKEN=$(node src/cli.ts mint-sa-token'))!;
    const curl = lines.find((line) => line.startsWith('curl -s -d grant_type=client_credentials -d client_id=orders-worker.default -d client_assertion_type='))!;
    expect(mint).toBe(`TOKEN=$(node src/cli.ts mint-sa-token --namespace default --service-account orders-worker --audience ${issuer})`);
    const { stdout } = await run('bash', ['-c', `${mint}; ${curl}`], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY: issuerKeyFile() },
    });
    const { access_token } = JSON.parse(stdout) as { access_token: string };
    expect(JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ client_id: 'orders-worker.default', service_account: 'system:serviceaccount:default:orders-worker' });
  });

  it('lets the demo user sign in to the example web app', async () => {
    const web = await oidc.discovery(new URL(issuer), 'dashboard.default', undefined, oidc.ClientSecretBasic('dev-only-dashboard-secret-change-me-0123456789'), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(web, { redirect_uri: 'http://localhost:3000/callback', scope: 'openid profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
    let page = await browser.follow(await browser.get(url.href), 'http://localhost:3000/callback');
    page = await browser.follow(await browser.submit(page, { username: 'demo', password: 'purser-demo' }), 'http://localhost:3000/callback');
    page = await browser.follow(await browser.submit(page), 'http://localhost:3000/callback');
    const tokens = await oidc.authorizationCodeGrant(web, new URL(page.location!), { pkceCodeVerifier: verifier, expectedState: 's' });
    expect(tokens.claims()).toMatchObject({ sub: 'demo', name: 'Demo User' });
  });

  it('RFC 8693 §2.2.1: the example orders-worker exchanges a dashboard user\'s token for an inventory token that acts for the user (inventory-api.yaml)', async () => {
    const web = await oidc.discovery(new URL(issuer), 'dashboard.default', undefined, oidc.ClientSecretBasic('dev-only-dashboard-secret-change-me-0123456789'), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const browser = new Browser();
    const scope = 'openid orders:read inventory:read';
    const url = oidc.buildAuthorizationUrl(web, { redirect_uri: 'http://localhost:3000/callback', scope, resource: 'https://orders.example.com', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
    let page = await browser.follow(await browser.get(url.href), 'http://localhost:3000/callback');
    page = await browser.follow(await browser.submit(page, { username: 'demo', password: 'purser-demo' }), 'http://localhost:3000/callback');
    page = await browser.follow(await browser.submit(page), 'http://localhost:3000/callback');
    const user = await oidc.authorizationCodeGrant(web, new URL(page.location!), { pkceCodeVerifier: verifier, expectedState: 's' });
    const exchanged = await oidc.genericGrantRequest(await serviceClient(), 'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: user.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: 'https://inventory.example.com',
    });
    expect(exchanged).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'inventory:read' });
    expect(decodeJwt(exchanged.access_token)).toMatchObject({ sub: 'demo', aud: 'https://inventory.example.com', client_id: 'orders-worker.default', act: { sub: 'orders-worker.default' } });
  });

  it('RFC 8252 §7.3: the example CLI (registered on 127.0.0.1:8400) signs in through the port the OS gave it', async () => {
    const cli = await oidc.discovery(new URL(issuer), 'cli.default', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const callback = 'http://127.0.0.1:51004/callback';
    const verifier = oidc.randomPKCECodeVerifier();
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(cli, { redirect_uri: callback, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
    let page = await browser.follow(await browser.get(url.href), callback);
    page = await browser.follow(await browser.submit(page, { username: 'demo', password: 'purser-demo' }), callback);
    page = await browser.follow(await browser.submit(page), callback);
    const tokens = await oidc.authorizationCodeGrant(cli, new URL(page.location!), { pkceCodeVerifier: verifier, expectedState: 's' });
    expect(tokens.claims()).toMatchObject({ sub: 'demo', aud: 'cli.default' });
  });

  it('RFC 8628: the example device CLI (examples/clients/device.yaml) gets tokens for the demo user, as the banner shows', async () => {
    expect(output).toContain(`curl -s -d client_id=device-cli.default -d scope=openid ${issuer}/device/auth`);
    const cli = await oidc.discovery(new URL(issuer), 'device-cli.default', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const started = await oidc.initiateDeviceAuthorization(cli, { scope: 'openid offline_access' });
    expect(started.interval).toBe(5);
    expect((await approve(new Browser(), started.verification_uri, started.user_code, { username: 'demo', password: 'purser-demo' })).body).toContain('Your device is connected');
    // The first poll after the user is done gets the tokens; no need to wait out the interval.
    const answer = await poll(issuer, started.device_code, 'device-cli.default');
    expect(answer).toMatchObject({ status: 200, body: { refresh_token: expect.any(String), id_token: expect.any(String) } });
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
    await writeFile(file, (await readFile(file, 'utf8')).replace('scopes: [orders:read, orders:write, inventory:read]', 'scopes: [orders:read, orders:write, inventory:read, orders:audit]'));
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
