// Back-channel logout outside dev mode refuses to deliver to loopback (SSRF: a backchannelLogoutUri aimed at Purser's
// own pod, such as a sidecar's admin port): a real receiver on 127.0.0.1, reached by IP literal and by a host name that
// resolves there, is never POSTed to; the refusal is counted and logged, without the token, and not retried.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { LogoutReceiver } from '../support/logout-receiver.ts';
import { spawnPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../support/redis.ts';
import { codeFlow, relyingParty } from '../support/rp.ts';

const NAMESPACE = 'ssrf';
const secretOf = (name: string) => `${name}-secret-0123456789abcdefghijklmnopqrstuvwxyz`;

function client(name: string, backchannelLogoutUri: string): string {
  const resource = { apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { name, namespace: NAMESPACE }, spec: { redirectUris: ['http://127.0.0.1:9999/callback'], postLogoutRedirectUris: ['http://127.0.0.1:9999/logged-out'], secretName: `${name}-secret`, backchannelLogoutUri } };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-secret`, namespace: NAMESPACE }, stringData: { client_secret: secretOf(name) } };
  return `${JSON.stringify(resource)}\n---\n${JSON.stringify(secret)}\n---\n`;
}

const receiver = new LogoutReceiver();
const prefix = uniquePrefix('backchannel-ssrf');
let server: TestServer & { output(): string };

beforeAll(async () => {
  await receiver.start();
  const clientsDir = await mkdtemp(join(tmpdir(), 'purser-ssrf-'));
  await writeFile(join(clientsDir, 'clients.yaml'), client('literal', receiver.uri('/bc/literal')) + client('named', `http://localhost:${receiver.port}/bc/named`));
  // Production mode (a Redis, no --dev) with its defaults: no --backchannel-logout-allow-loopback.
  server = await spawnPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir });
});

afterAll(async () => {
  await Promise.all([server?.close(), receiver.close()]);
  const redis = connectTestRedis();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

/** Signs in as `name` and logs out through RP-Initiated Logout; the logout itself succeeds (303). */
async function signInAndOut(name: string): Promise<void> {
  const rp = await relyingParty(server.issuer, `${name}.${NAMESPACE}`, { auth: oidc.ClientSecretBasic(secretOf(name)) });
  const { tokens, browser } = await codeFlow(rp, new Browser());
  const confirmation = await browser.get(oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9999/logged-out' }).href);
  expect((await browser.submit(confirmation, { logout: 'yes' })).status).toBe(303);
}

/** purser_backchannel_logout_total by outcome, once `outcome` reaches `count` (the delivery is asynchronous). */
async function outcomesOnce(outcome: string, count: number): Promise<string> {
  for (;;) {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    if (new RegExp(`purser_backchannel_logout_total\\{outcome="${outcome}"\\} ${count}\\b`).test(metrics)) return metrics;
    await sleep(100);
  }
}

describe('Back-Channel Logout 1.0 §2.5 outside dev mode: no delivery to loopback (SSRF)', () => {
  it('refuses a loopback backchannelLogoutUri, by IP literal and by a host name resolving there: no POST reaches the receiver, the refusal is counted and logged without the token, not retried', async () => {
    await signInAndOut('literal');
    await signInAndOut('named');
    const metrics = await outcomesOnce('refused', 2);
    expect(receiver.at('/bc/literal')).toEqual([]);
    expect(receiver.at('/bc/named')).toEqual([]);
    expect(metrics).not.toMatch(/outcome="(retried|delivered|failed)"/);
    const refusals = server.output().split('\n').filter((line) => line.includes('back-channel logout refused'));
    expect(refusals.map((line) => JSON.parse(line).client_id).sort()).toEqual(['literal.ssrf', 'named.ssrf']);
    expect(refusals.join('\n')).toMatch(/127\.0\.0\.1 is a loopback or unspecified address/);
    expect(refusals.join('\n')).toMatch(/localhost resolves to .* is a loopback/);
    expect(server.output()).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
