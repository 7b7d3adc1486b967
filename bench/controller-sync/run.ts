// node bench/controller-sync/run.ts: how long the controller takes to converge N existing OAuthClients, what it costs
// in memory (its own and Redis'), and how long one new OAuthClient takes from `kubectl apply` to its first token.
// Baselines measured in the same run: listing the N objects once, and the controller's Redis work done directly.
// See bench/controller-sync/README.md.
import { rm } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname } from 'node:path';

import { Redis } from 'ioredis';

import { startControlPlane } from '../../test/support/control-plane.ts';
import { writeFixtures } from '../../test/support/purser.ts';
import { freePort, startRedisServer } from '../../test/support/redis-server.ts';
import { benchClient, cluster, type Cluster } from './cluster.ts';
import { measureFirstToken, type FirstToken } from './first-token.ts';
import { settings } from '../../src/config/settings.ts';
import { childrenByName, controllerEnv, memoryOf, scrape, spawnController, spawnServer, waitUntilOk, whenSettled, type Spawned } from './processes.ts';
import { cpuMeter } from '../token-throughput/cpu.ts';
import { catalogBytes, usedMemory, writeRecordsDirectly } from './redis.ts';

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: expected a positive whole number, got "${process.env[name]}"`);
  return value;
};
const N = positive('BENCH_CLIENTS', 2000);
const NAMESPACES = positive('BENCH_NAMESPACES', 20);
const FIRST_TOKENS = positive('BENCH_FIRST_TOKENS', 50);
const CREATE_CONCURRENCY = 8;
// The controller's workers: BENCH_CONTROLLER_ENV's PURSER_CONTROLLER_WORKERS, else the setting's default.
const WORKERS = Number(controllerEnv().PURSER_CONTROLLER_WORKERS ?? settings.find((setting) => setting.key === 'controllerWorkers')!.default);
const PREFIX = 'bench:';

const log = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (from: number, to = performance.now()) => (to - from) / 1000;
const fmt = (value: number, digits = 2) => value.toFixed(digits);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function timedList(k8s: Cluster): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    const { items } = JSON.parse(await k8s.kubectl(['get', 'oauthclients', '-A', '-o', 'json'])) as { items: unknown[] };
    if (items.length !== N) throw new Error(`kubectl get listed ${items.length} OAuthClients, expected ${N}`);
    runs.push(seconds(began));
  }
  return runs.sort((a, b) => a - b)[1]!;
}

log(`purser controller-sync bench — ${new Date().toISOString()}`);
log(`node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()}); ${N} OAuthClients in ${NAMESPACES} namespaces, ${FIRST_TOKENS} apply→token samples`);
log('etcd, kube-apiserver, redis-server, the controller, the server and this script share the machine');
log();

const began = performance.now();
const plane = await startControlPlane();
const redisServer = await startRedisServer();
const redis = new Redis(redisServer.url);
const fixtures = await writeFixtures();
const k8s = cluster(plane.kubeconfig);
const spawned: Spawned[] = [];

try {
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
  await k8s.createNamespaces([...namespaces, 'bench-first-token']);
  await k8s.createApi('bench-first-token');
  const clients = Array.from({ length: N }, (_, i) => benchClient(namespaces[i % NAMESPACES]!, `client-${i}`));
  let t = performance.now();
  await k8s.createClients(clients, CREATE_CONCURRENCY);
  const createSeconds = seconds(t);
  log(`created ${N} OAuthClients (${CREATE_CONCURRENCY} requests in flight) in ${fmt(createSeconds)} s`);
  const listSeconds = await timedList(k8s);
  log(`kubectl get oauthclients -A -o json: ${fmt(listSeconds)} s (median of 3)`);

  const redisBefore = await usedMemory(redis);
  const serverPort = await freePort();
  const { metadata } = await k8s.listClients();
  const requestsBefore = await k8s.apiRequests();
  const readyCounts: string[] = [];
  let lastShown = 0;
  t = performance.now();
  const allReady = k8s.whenAllReady(N, metadata.resourceVersion, (ready) => {
    if (performance.now() - lastShown < 2000) return;
    lastShown = performance.now();
    readyCounts.push(`${fmt(seconds(t), 0)} s: ${ready}`);
  });
  allReady.catch(() => undefined); // awaited below; this only keeps an early failure from being reported twice
  const controller = await spawnController(plane.kubeconfig, redisServer.url, PREFIX, `http://127.0.0.1:${serverPort}`);
  spawned.push(controller);
  const { etcd, 'kube-apiserver': apiserver } = childrenByName();
  const cpu = cpuMeter({ controller: controller.child.pid, 'kube-apiserver': apiserver, etcd, 'redis-server': redisServer.process.pid });
  await waitUntilOk(controller, '/readyz');
  const syncedSeconds = seconds(t);
  const syncSeconds = seconds(t, await allReady);
  const cpuSpent = cpu();
  const requestsAfter = await k8s.apiRequests();
  const perClient = Object.entries(requestsAfter)
    .map(([request, count]) => [request, (count - (requestsBefore[request] ?? 0)) / N] as const)
    .filter(([, count]) => count >= 0.01)
    .sort(([, a], [, b]) => b - a);
  log(`controller: caches synced after ${fmt(syncedSeconds)} s; all ${N} Ready after ${fmt(syncSeconds)} s (Ready so far: ${readyCounts.join(', ') || '-'})`);

  // Let the watch events that the controller's own writes cause be reconciled (they must write nothing) before counting,
  // and before a new client is measured: it would otherwise wait behind them in the queue.
  await whenSettled(controller.url);
  const reconciles = await scrape(controller.url, 'purser_controller_reconcile_total');
  const reconcileCount = Object.values(reconciles).reduce((sum, n) => sum + n, 0);
  const [durationSum, durationCount] = [await scrape(controller.url, 'purser_controller_reconcile_duration_seconds_sum'), await scrape(controller.url, 'purser_controller_reconcile_duration_seconds_count')];
  const controllerMemory = memoryOf(controller.child.pid!);
  const catalog = await catalogBytes(redis, PREFIX);
  const redisAfter = await usedMemory(redis);
  if (catalog.keys !== N) throw new Error(`the catalog holds ${catalog.keys} records, expected ${N}`);
  const directSeconds = await writeRecordsDirectly(redisServer.url, 'direct:', N, WORKERS);
  log(`the same ${N} record reads and writes straight into Redis (${WORKERS} at a time): ${fmt(directSeconds)} s`);

  spawned.push(await spawnServer(serverPort, redisServer.url, PREFIX, fixtures));
  const samples: FirstToken[] = [];
  const reconcileTotal = async () => Object.values(await scrape(controller.url, 'purser_controller_reconcile_total')).reduce((sum, n) => sum + n, 0);
  const reconcilesBeforeFirst = await reconcileTotal();
  for (let i = 0; i < FIRST_TOKENS; i++) samples.push(await measureFirstToken(k8s, 'bench-first-token', `first-${i}`));
  // What each new client cost the controller: its own reconciles, and whatever else its events queued.
  const reconcilesPerNewClient = ((await reconcileTotal()) - reconcilesBeforeFirst) / FIRST_TOKENS;

  // Deleting them all, as an uninstall does: each finalizer removes the record and revokes the client's tokens.
  const { metadata: beforeDelete } = await k8s.listClients();
  const allGone = k8s.whenAllGone(N, beforeDelete.resourceVersion);
  allGone.catch(() => undefined);
  t = performance.now();
  await k8s.deleteClients(clients, CREATE_CONCURRENCY);
  const deleteRequestSeconds = seconds(t);
  const deleteSeconds = seconds(t, await allGone);
  const leftInCatalog = (await catalogBytes(redis, PREFIX)).keys - FIRST_TOKENS;
  if (leftInCatalog !== 0) throw new Error(`the catalog still holds ${leftInCatalog} records of deleted clients`);

  const mean = durationSum[''] && durationCount[''] ? (durationSum[''] / durationCount['']) * 1000 : NaN;
  log();
  log('== converging existing OAuthClients ==');
  log(`time to all ${N} Ready (from controller start)   ${fmt(syncSeconds)} s   (${fmt(syncSeconds / N * 1000)} ms per client)`);
  log(`  of which start-up and cache sync             ${fmt(syncedSeconds)} s`);
  log(`clients Ready per second                        ${fmt(N / syncSeconds, 0)}`);
  log(`reconciles (until 3 s after all Ready)          ${reconcileCount} = ${fmt(reconcileCount / N)} per client; ${Object.entries(reconciles).map(([result, n]) => `${result} ${n}`).join(', ')}`);
  log(`reconciles per second                           ${fmt(reconcileCount / syncSeconds, 0)} (mean ${fmt(mean, 1)} ms each, ${WORKERS} workers)`);
  log(`CPU during the sync, % of one core            ${Object.entries(cpuSpent).map(([name, spent]) => `${name} ${fmt(((spent ?? NaN) / syncSeconds) * 100, 0)}%`).join(', ')}`);
  log(`controller CPU per client                       ${fmt(((cpuSpent.controller ?? NaN) / N) * 1000, 1)} ms`);
  log(`kube-apiserver CPU per client                   ${fmt(((cpuSpent['kube-apiserver'] ?? NaN) / N) * 1000, 1)} ms   (etcd ${fmt(((cpuSpent.etcd ?? NaN) / N) * 1000, 1)} ms)`);
  log(`API requests per client (all clients, apiserver_request_total)  ${fmt(perClient.reduce((sum, [, n]) => sum + n, 0))}: ${perClient.map(([request, n]) => `${request} ${fmt(n)}`).join(', ')}`);
  log(`controller RSS after sync / peak                ${fmt(controllerMemory.rss, 0)} MiB / ${fmt(controllerMemory.peak, 0)} MiB`);
  log(`Redis catalog (MEMORY USAGE, ${catalog.keys} records + index)  ${fmt(catalog.bytes / 1024 / 1024)} MiB = ${fmt(catalog.bytes / N, 0)} bytes per client; used_memory grew ${fmt((redisAfter - redisBefore) / 1024 / 1024)} MiB`);
  log();
  log('== deleting them all ==');
  log(`time to all ${N} gone (from the first DELETE)      ${fmt(deleteSeconds)} s   (${fmt(deleteSeconds / N * 1000)} ms per client)`);
  log(`  of which sending the DELETEs (${CREATE_CONCURRENCY} in flight)     ${fmt(deleteRequestSeconds)} s`);
  log(`all gone / creating the objects         ${fmt(deleteSeconds / createSeconds, 1)}x`);
  log();
  log('== baselines, same run ==');
  log(`create the ${N} OAuthClients (${CREATE_CONCURRENCY} in flight)             ${fmt(createSeconds)} s`);
  log(`kubectl get oauthclients -A -o json (median of 3)  ${fmt(listSeconds)} s`);
  log(`controller's Redis work done directly               ${fmt(directSeconds)} s`);
  log();
  log('== ratios ==');
  log(`all Ready / one list of the objects      ${fmt(syncSeconds / listSeconds, 1)}x`);
  log(`all Ready / creating the objects         ${fmt(syncSeconds / createSeconds, 1)}x`);
  log(`all Ready / its Redis work alone         ${fmt(syncSeconds / directSeconds, 1)}x`);
  log();
  log(`== kubectl apply → first token (${FIRST_TOKENS} new clients, one at a time, polled every 10 ms) ==`);
  log('figure (ms)                         p50     p90     p99     max');
  const row = (label: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    log(`${label.padEnd(32)}${[50, 90, 99].map((p) => fmt(percentile(sorted, p), 0).padStart(8)).join('')}${fmt(sorted.at(-1)!, 0).padStart(8)}`);
  };
  row('kubectl apply itself', samples.map((s) => s.applyMs));
  row('apply returned → Secret readable', samples.map((s) => s.secretMs));
  row('apply returned → first token', samples.map((s) => s.tokenMs));
  row('apply started → first token', samples.map((s) => s.applyMs + s.tokenMs));
  log(`controller reconciles per new client (until the next one is applied)  ${fmt(reconcilesPerNewClient, 1)}`);
} finally {
  await Promise.allSettled(spawned.map((process) => process.stop()));
  redis.disconnect();
  await redisServer.stop();
  await plane.stop();
  await rm(dirname(fixtures.usersFile), { recursive: true, force: true });
  log();
  log(`done in ${fmt(seconds(began), 0)} s`);
}
