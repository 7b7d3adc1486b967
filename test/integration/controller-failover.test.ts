// Two controller processes share one Lease: one leads, the other stands by. SIGKILL the leader while 30 OAuthClients
// are being reconciled: the standby takes over once the Lease expires, and every client ends Ready with exactly one
// Secret whose credentials get a token. SIGTERM the next leader while 30 more are applied: it releases the Lease (the
// standby takes over at once) and exits 0, a fresh process joins as standby, and all 60 converge without duplicates.
// Last, in this process: a controller whose stop() has returned writes nothing more.
import { setTimeout as sleep } from 'node:timers/promises';

import type { V1Secret } from '@kubernetes/client-node';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { LEASE_NAME } from '../../src/controller/index.ts';
import { CLIENT_LABEL } from '../../src/controller/reconcile/secret.ts';
import {
  controllerKubeconfig,
  createNamespace,
  isReady,
  kubeClients,
  kubectl,
  kubectlOk,
  relyingPartyFromSecret,
  spawnController,
  startTestController,
  waitFor,
  type ControllerOptions,
  type SpawnedController,
} from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';

const LEASE_SECONDS = 3;
/** How often a candidate tries for the Lease (leader-election.ts: a fifth of the lease duration, at least 200 ms). */
const RETRY_MS = (LEASE_SECONDS * 1000) / 5;

const names = (batch: string, count: number) => Array.from({ length: count }, (_, i) => `${batch}-${String(i).padStart(2, '0')}`);
const FIRST = names('svc-a', 30);
const SECOND = names('svc-b', 30);

/** One `kubectl apply` worth of client_credentials clients whose Secrets Purser generates. */
function manifest(namespace: string, clients: readonly string[]): string {
  return clients
    .map((name) => `apiVersion: purser.dev/v1alpha1\nkind: OAuthClient\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: {grantTypes: [client_credentials]}\n`)
    .join('---\n');
}

const readyCount = async (namespace: string) => (await kubeClients().listClients(namespace)).filter((client) => isReady(client)).length;

async function waitForAllReady(namespace: string, clients: readonly string[]): Promise<void> {
  const { listClients } = kubeClients();
  await waitFor(`${clients.length} OAuthClients Ready`, async () => {
    const ready = new Set((await listClients(namespace)).filter((client) => isReady(client)).map((client) => client.metadata.name));
    return clients.every((name) => ready.has(name));
  }, 60_000, 200);
}

/** The generated Secrets, by the OAuthClient they belong to. */
async function secretsByClient(namespace: string): Promise<Map<string, V1Secret[]>> {
  const secrets = new Map<string, V1Secret[]>();
  for (const secret of await kubeClients().listSecrets(namespace)) {
    const owner = secret.metadata?.labels?.[CLIENT_LABEL];
    if (owner) secrets.set(owner, [...(secrets.get(owner) ?? []), secret]);
  }
  return secrets;
}

/** Every client has exactly one Secret, and each Secret's credentials get a token (all requests at once). */
async function expectOneWorkingSecretEach(namespace: string, clients: readonly string[]): Promise<void> {
  const secrets = await secretsByClient(namespace);
  expect([...secrets.keys()].sort()).toEqual([...clients].sort());
  for (const name of clients) expect(secrets.get(name), name).toHaveLength(1);
  const tokens = await Promise.all(clients.map(async (name) => oidc.clientCredentialsGrant(await relyingPartyFromSecret(secrets.get(name)![0]!))));
  for (const token of tokens) expect(token.access_token).toEqual(expect.any(String));
}

const warnings = async (namespace: string) =>
  (await kubeClients().listEvents(namespace)).filter((event) => event.type === 'Warning').map((event) => `${event.involvedObject.name}: ${event.reason} ${event.message}`);

/** Every object a controller writes in the namespace, by resourceVersion. */
async function snapshot(namespace: string): Promise<string[]> {
  const { listClients, listSecrets, listEvents } = kubeClients();
  const [clients, secrets, events] = await Promise.all([listClients(namespace), listSecrets(namespace), listEvents(namespace)]);
  const versions = (kind: string, items: { metadata?: { name?: string; resourceVersion?: string } }[]) => items.map(({ metadata }) => `${kind}/${metadata?.name}@${metadata?.resourceVersion}`);
  return [...versions('OAuthClient', clients), ...versions('Secret', secrets), ...versions('Event', events)].sort();
}

/** Removes the OAuthClients while a controller still runs (finalizers); no namespace controller here, so the namespace stays. */
async function cleanUp(namespace: string): Promise<void> {
  await kubectl(['delete', 'oauthclients', '--all', '-n', namespace, '--wait=true', '--timeout=30s']);
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
}

/** A namespace, a server and the options of controllers that keep their Lease in that namespace. */
async function install(name: string): Promise<{ namespace: string; server: TestServer; options: ControllerOptions }> {
  const namespace = await createNamespace(name);
  const prefix = uniquePrefix(name);
  const server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
  const kubeconfig = await controllerKubeconfig(namespace);
  return { namespace, server, options: { kubeconfig, prefix, issuer: server.issuer, namespaces: [namespace], flags: [`--lease-duration=${LEASE_SECONDS}s`] } };
}

describe('failover between controller processes sharing one Lease', () => {
  let installation: Awaited<ReturnType<typeof install>>;
  const controllers = new Set<SpawnedController>();

  const spawn = async () => {
    const controller = await spawnController(installation.options);
    controllers.add(controller);
    return controller;
  };
  const alive = () => [...controllers].filter(({ child }) => child.exitCode === null && child.signalCode === null);

  async function leaseHolder(): Promise<string> {
    const lease = JSON.parse(await kubectlOk(['get', 'lease', LEASE_NAME, '-n', installation.namespace, '-o', 'json'])) as { spec: { holderIdentity?: string } };
    return lease.spec.holderIdentity ?? '';
  }

  /** The one leader among the live processes, by its metrics and by the Lease's holderIdentity; and the others. */
  async function leaderAndStandbys(): Promise<{ leader: SpawnedController; standbys: SpawnedController[] }> {
    const leaders = await waitFor('exactly one leader', async () => {
      const flags = await Promise.all(alive().map((controller) => controller.isLeader()));
      const found = alive().filter((_, i) => flags[i]);
      return found.length === 1 ? found : undefined;
    }, 10_000);
    // Each process logs its identity when it becomes the leader.
    const holder = await leaseHolder();
    expect(holder).not.toBe('');
    expect(alive().filter((controller) => controller.output().includes(`"identity":"${holder}"`))).toEqual(leaders);
    return { leader: leaders[0]!, standbys: alive().filter((controller) => controller !== leaders[0]) };
  }

  /** Milliseconds from `since` until `controller` reports itself the leader. */
  async function takeover(controller: SpawnedController, since: number, timeoutMs: number): Promise<number> {
    await waitFor('the standby to take the Lease', () => controller.isLeader(), timeoutMs, 20);
    return performance.now() - since;
  }

  beforeAll(async () => {
    installation = await install('controller-failover');
    await Promise.all([spawn(), spawn()]);
  });

  afterAll(async () => {
    if (installation) await cleanUp(installation.namespace);
    await Promise.all([...controllers].map((controller) => controller.stop()));
    await installation?.server.close();
  });

  it('elects exactly one leader: its metrics say so and the Lease names it', async () => {
    const { standbys } = await leaderAndStandbys();
    expect(standbys).toHaveLength(1);
  });

  it('a SIGKILLed leader mid-reconcile: the standby takes over once the Lease expires, and all 30 clients converge', async () => {
    const { namespace } = installation;
    const { leader, standbys: [standby] } = await leaderAndStandbys();

    await kubectlOk(['apply', '-f', '-'], { input: manifest(namespace, FIRST) });
    const killedAt = performance.now();
    await leader.stop('SIGKILL');
    console.log(`[controller-failover] ${await readyCount(namespace)} of ${FIRST.length} clients Ready when the leader was killed`);
    // The standby waits out a whole lease duration without renewals (on its own clock), then takes the Lease on its
    // next try: lease duration ± one retry period after the kill.
    const takeoverMs = await takeover(standby!, killedAt, 6_000);
    console.log(`[controller-failover] SIGKILL → standby leads: ${takeoverMs.toFixed(0)} ms (lease ${LEASE_SECONDS * 1000} ms, retry ${RETRY_MS} ms)`);
    expect(leader.child.signalCode).toBe('SIGKILL');
    expect((await leaderAndStandbys()).leader).toBe(standby);

    await waitForAllReady(namespace, FIRST);
    await expectOneWorkingSecretEach(namespace, FIRST);
    // Each Ready transition has its Event exactly once, whichever leader made it (or both, killed mid-way).
    const events = JSON.parse(await kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'reason=Ready', '-o', 'json'])) as { items: { involvedObject: { name: string } }[] };
    const perClient = new Map<string, number>();
    for (const { involvedObject } of events.items) perClient.set(involvedObject.name, (perClient.get(involvedObject.name) ?? 0) + 1);
    expect(FIRST.filter((name) => perClient.get(name) !== 1)).toEqual([]);
  });

  it('a SIGTERMed leader mid-reconcile hands the Lease over at once and exits 0; a new process joins; all 60 converge', async () => {
    const { namespace } = installation;
    await spawn(); // Kubernetes restarts the killed pod: a new standby
    const { leader, standbys: [standby] } = await leaderAndStandbys();

    await kubectlOk(['apply', '-f', '-'], { input: manifest(namespace, SECOND) });
    const stoppedAt = performance.now();
    const stopped = leader.stop('SIGTERM');
    console.log(`[controller-failover] ${await readyCount(namespace)} of ${FIRST.length + SECOND.length} clients Ready when the leader was told to stop`);
    // Released, not expired: the standby needs one try, not a lease duration.
    const handoverMs = await takeover(standby!, stoppedAt, LEASE_SECONDS * 1000);
    console.log(`[controller-failover] SIGTERM → standby leads: ${handoverMs.toFixed(0)} ms (lease ${LEASE_SECONDS * 1000} ms, retry ${RETRY_MS} ms)`);
    await stopped;
    expect(leader.child.exitCode).toBe(0);
    // Nothing it had begun failed on its way out (the store closed under a reconcile, the Lease kept).
    const farewell = leader.output().slice(leader.output().indexOf('"shutting down"'));
    expect(farewell).not.toMatch(/store unavailable|reconcile failed|could not release/);

    await spawn();
    expect((await leaderAndStandbys()).leader).toBe(standby);
    await waitForAllReady(namespace, [...FIRST, ...SECOND]);
    await expectOneWorkingSecretEach(namespace, [...FIRST, ...SECOND]);
    expect(await warnings(namespace)).toEqual([]);
  });
});

describe('stop() of a controller in this process, mid-reconcile', () => {
  let installation: Awaited<ReturnType<typeof install>>;
  let next: Awaited<ReturnType<typeof startTestController>> | undefined;

  beforeAll(async () => {
    installation = await install('controller-stop');
  });

  afterAll(async () => {
    if (installation && next) await cleanUp(installation.namespace);
    await next?.stop();
    await installation?.server.close();
  });

  it('returns once its reconciles are done: afterwards it writes nothing, and never reports the store it closed', async () => {
    const { namespace, options } = installation;
    const controller = await startTestController(options);
    await waitFor('the controller to lead', () => controller.isLeader);
    await kubectlOk(['apply', '-f', '-'], { input: manifest(namespace, FIRST) });
    await controller.stop();
    const atStop = await snapshot(namespace);
    await sleep(1000);
    expect(await snapshot(namespace)).toEqual(atStop);
    expect(await warnings(namespace)).toEqual([]);

    // The next leader finishes the job.
    next = await startTestController(options);
    await waitForAllReady(namespace, FIRST);
  });
});
