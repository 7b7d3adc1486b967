// Signing-key rotation end to end: the controller keeps the key Secret on a real kube-apiserver, a kubelet-like
// projector mounts it, and two server replicas pick every change up without a restart. A relying party verifying
// with the published JWKS (jose) accepts tokens signed before a rotation, and stops finding their key once the
// retention window has passed.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { RunningController } from '../../src/controller/index.ts';
import { controllerKubeconfig, createNamespace, kubeClients, secretData, startTestController, waitFor } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, relyingParty } from '../support/rp.ts';
import { mountSecret, type SecretVolume } from '../support/secret-volume.ts';

const KEYS_SECRET = 'purser-keys';
// Rotation every 3 s; a retired key stays max(1 s, longest token or session lifetime 2 s + propagation 1 s) = 3 s.
const CONTROLLER_FLAGS = [`--keys-secret=${KEYS_SECRET}`, '--signing-key-rotation-period=3s', '--signing-key-retention=1s', '--keys-propagation-delay=1s', '--access-token-ttl=2s', '--id-token-ttl=2s', '--session-ttl=2s'];

const jwksOf = async (server: TestServer): Promise<JSONWebKeySet> => (await fetch(`${server.url}/jwks`)).json() as Promise<JSONWebKeySet>;
const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid!;

describe('signing keys managed by the controller', () => {
  let namespace: string;
  let controller: RunningController;
  let volume: SecretVolume;
  let replicas: TestServer[] = [];

  beforeAll(async () => {
    namespace = await createNamespace('key-rotation');
    // Its own Redis prefix: the controller's drift removal must not see the server's file-sourced clients.
    controller = await startTestController({ kubeconfig: await controllerKubeconfig(namespace), prefix: uniquePrefix('keys-controller'), issuer: 'http://127.0.0.1', namespaces: [namespace], flags: CONTROLLER_FLAGS });
    volume = await mountSecret(namespace, KEYS_SECRET, await mkdtemp(join(tmpdir(), 'purser-keys-')));
    await waitFor('the key Secret to be mounted', () => volume.updates > 0, 10_000);
    const fixtures = { ...(await writeFixtures()), jwksFile: join(volume.dir, 'jwks.json'), cookieKeysFile: join(volume.dir, 'cookie-keys') };
    const prefix = uniquePrefix('keys-server');
    const first = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures, flags: ['--keys-reload-interval=1s'] });
    const second = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures, issuer: first.issuer, flags: ['--keys-reload-interval=1s'] });
    replicas = [first, second];
  });

  afterAll(async () => {
    volume?.stop();
    await controller?.stop();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('creates the Secret with a signing and a pre-published key per algorithm, and cookie keys', async () => {
    const secret = (await kubeClients().getSecret(namespace, KEYS_SECRET))!;
    const data = secretData(secret);
    const { keys } = JSON.parse(data['jwks.json']!) as { keys: { alg: string; key_ops?: string[]; d?: string; purser: { state: string } }[] };
    expect(keys.map((key) => [key.alg, key.purser.state, key.key_ops ?? null])).toEqual(
      // Only the current keys may sign; the next ones are published for a whole period first.
      expect.arrayContaining([
        ['ES256', 'current', null],
        ['RS256', 'current', null],
        ['ES256', 'next', ['verify']],
        ['RS256', 'next', ['verify']],
      ]),
    );
    expect(keys.every((key) => typeof key.d === 'string')).toBe(true);
    expect(data['cookie-keys']!.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The published set never carries private parts or Purser's bookkeeping.
    const published = await jwksOf(replicas[0]!);
    expect(published.keys).toHaveLength(keys.length);
    for (const key of published.keys) expect(Object.keys(key).filter((member) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'purser'].includes(member))).toEqual([]);
  });

  it('rotates: tokens signed before keep verifying, every replica signs with the pre-published key, the old key leaves JWKS after retention', async () => {
    const rp = await relyingParty(replicas[0]!.issuer, 'reports.test');
    const before = await oidc.clientCredentialsGrant(rp, { scope: 'reports:read' });
    const { tokens: codeTokens } = await codeFlow(await relyingParty(replicas[0]!.issuer, 'webapp.test'));
    const idToken = codeTokens.id_token!;
    const oldAccessKid = kidOf(before.access_token);
    const oldIdKid = kidOf(idToken);
    const publishedBefore = await jwksOf(replicas[0]!);
    const preAnnounced = publishedBefore.keys.filter((key) => key.key_ops?.includes('verify') && !key.key_ops.includes('sign')).map((key) => key.kid);

    // Both replicas move to the next key once the controller rotates and the volume changes.
    for (const replica of replicas) {
      const viaReplica = await relyingParty(replicas[0]!.issuer, 'reports.test', { via: replica.url });
      const rotatedKid = await waitFor(`${replica.url} to sign with a new key`, async () => {
        const kid = kidOf((await oidc.clientCredentialsGrant(viaReplica, { scope: 'reports:read' })).access_token);
        return kid !== oldAccessKid && kid;
      }, 15_000, 250);
      // A kid announced before the rotation, so relying parties had it before the first token it signed.
      expect(preAnnounced).toContain(rotatedKid);
    }

    // A relying party refreshing its JWKS after the rotation still accepts what was signed before it.
    const afterRotation = createLocalJWKSet(await jwksOf(replicas[1]!));
    const access = await jwtVerify(before.access_token, afterRotation, { issuer: replicas[0]!.issuer, typ: 'at+jwt' });
    expect(access.protectedHeader).toMatchObject({ alg: 'ES256', kid: oldAccessKid });
    const id = await jwtVerify(idToken, afterRotation, { issuer: replicas[0]!.issuer, audience: 'webapp.test' });
    expect(id.protectedHeader).toMatchObject({ alg: 'RS256', kid: oldIdKid });

    // Once the retention window has passed, the retired keys are gone from every replica's JWKS.
    for (const replica of replicas) {
      await waitFor(`${replica.url} to stop publishing the retired keys`, async () => {
        const kids = (await jwksOf(replica)).keys.map((key) => key.kid);
        return !kids.includes(oldAccessKid) && !kids.includes(oldIdKid);
      }, 20_000, 250);
    }
    const later = createLocalJWKSet(await jwksOf(replicas[0]!));
    await expect(jwtVerify(before.access_token, later)).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
    await expect(jwtVerify(idToken, later)).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
  });
});
