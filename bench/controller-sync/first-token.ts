// apply → first token: `kubectl apply` one new client_credentials OAuthClient, then poll its Secret and the token
// endpoint (every POLL_MS) until a token is issued. One client at a time, each new.
import { stringify } from 'yaml';

import { benchClient, type Cluster } from './cluster.ts';

const POLL_MS = 10;
const TIMEOUT_MS = 30_000;

export interface FirstToken {
  /** kubectl apply, start to exit (process start, discovery, the create). */
  applyMs: number;
  /** kubectl apply exited → the Secret is readable. */
  secretMs: number;
  /** kubectl apply exited → the token endpoint answered 200. */
  tokenMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

async function requestToken(tokenEndpoint: string, clientId: string, secret: string): Promise<boolean> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string };
  return response.status === 200 && typeof body.access_token === 'string';
}

export async function measureFirstToken(cluster: Cluster, namespace: string, name: string): Promise<FirstToken> {
  const began = performance.now();
  await cluster.kubectl(['apply', '-f', '-'], stringify(benchClient(namespace, name)));
  const applied = performance.now();
  const secret = await until(`Secret ${namespace}/${name}-oauth-client`, () => cluster.readSecret(namespace, `${name}-oauth-client`));
  const seen = performance.now();
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
  await until(`a token for ${data.client_id}`, async () => ((await requestToken(data.token_endpoint!, data.client_id!, data.client_secret!)) ? true : undefined));
  return { applyMs: applied - began, secretMs: seen - applied, tokenMs: performance.now() - applied };
}
