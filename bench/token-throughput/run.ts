// npm run bench: token throughput of Purser (production mode, real Redis) against bare oidc-provider, in one run.
// Starts its own redis-server, both servers and the floor's bare Koa app, seeds refresh tokens and a ServiceAccount
// token, measures each scenario (scenarios.ts) round by round, each load generator in its own process, then counts
// Redis round trips per token request, reads every server's memory and prints one summary. See bench/README.md.
import { rm } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname } from 'node:path';

import { writeFixtures } from '../../test/support/purser.ts';
import { startRedisServer } from '../../test/support/redis-server.ts';
import { publishServiceAccountToken } from '../support/service-account.ts';
import { basicAuth, WEBAPP } from './bench-clients.ts';
import { checkToken } from './check-tokens.ts';
import { floorLines, microsPerSignature, signLoop, type SignLoopResult } from './floor.ts';
import { goalLines } from './goals.ts';
import { snapshotFlags, takeSnapshot } from './heap-snapshots.ts';
import { runLoad, type Measurement } from './load.ts';
import { memoryTable, processMemory, type MemoryColumn } from './memory.ts';
import { indexProfiles } from './profiles.ts';
import { RedisProbe } from './redis-probe.ts';
import { ratioLine, redisLines, resultsTable, roundsLine, median, type Row } from './report.ts';
import { sampleClientCredentials, sampleRefresh, type RedisSample } from './sample.ts';
import { CLIENT_CREDENTIALS_SCENARIOS, clientCredentialsRequest, SECRET_JWT_REQUEST, selectedScenarios, type Scenario } from './scenarios.ts';
import { purserRefreshTokens } from './seed-purser.ts';
import { forkBaseline, forkFloor, spawnPurser, type ServerProcess } from './servers.ts';
import { settings } from './settings.ts';

const PREFIX = 'bench:';
const scenarios = selectedScenarios(settings.scenarios);
const { version: providerVersion } = (await import('oidc-provider/package.json', { with: { type: 'json' } })).default as { version: string };
const log = (line = '') => process.stdout.write(`${line}\n`);
const began = performance.now();

log(`purser token-throughput bench — ${new Date().toISOString()}`);
log(`node ${process.version}, oidc-provider ${providerVersion}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()})`);
log(`scenarios: ${scenarios.join(', ')}`);
log(
  `client_credentials: autocannon -c ${settings.connections}; refresh_token: ${settings.chains} rotating chains; ` +
    `${settings.warmup} s warm-up + ${settings.duration} s measured, ${settings.rounds} round(s)`,
);
log(`baseline: bare oidc-provider, static clients, ${settings.baselineAdapter === 'map' ? 'lean Map adapter (baseline-adapter.ts)' : 'oidc-provider\'s stock memory adapter'}`);
log(`servers' NODE_OPTIONS: ${settings.nodeOptions ?? '(none)'}${Object.keys(settings.serverEnv).length ? `; more environment: ${Object.entries(settings.serverEnv).map(([name, value]) => `${name}=${value}`).join(' ')}` : ''}`);
log('servers, redis-server and each load generator are separate processes sharing this machine\'s CPUs');
log();

const redis = await startRedisServer();
const fixtures = await writeFixtures();
const probe = new RedisProbe(redis.url);
const nodeFlags = [
  ...(settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`] : []),
  ...(settings.heapSnapshotDir ? snapshotFlags(settings.heapSnapshotDir) : []),
];
const servers: ServerProcess[] = [];
const rows: Record<string, Row> = {};

try {
  const baseline = await forkBaseline(fixtures, { nodeFlags, adapter: settings.baselineAdapter });
  servers.push(baseline);
  const purser = await spawnPurser(redis.url, PREFIX, fixtures, { nodeFlags });
  servers.push(purser);
  const targets = [baseline, purser];
  const watched = (target: ServerProcess) => ({
    pids: { server: target.child.pid, redis: redis.process.pid },
    ...(target === purser ? { redis: probe } : {}),
  });
  const serviceAccountToken = scenarios.includes('client_credentials_sa') ? await publishServiceAccountToken(redis.url, PREFIX, purser.url) : undefined;
  const request = (scenario: Scenario, target: ServerProcess) => clientCredentialsRequest(scenario, target.name, serviceAccountToken);

  for (const scenario of CLIENT_CREDENTIALS_SCENARIOS.filter((s) => scenarios.includes(s))) {
    for (const target of targets) log(`${scenario.padEnd(26)} ${target.name.padEnd(8)} access token: ${(await checkToken(target.url, request(scenario, target))).description}`);
  }
  // The floor answers as much JSON as Purser's JWT response and signs as long an input as Purser's JWT.
  const sized = await checkToken(purser.url, SECRET_JWT_REQUEST);
  const signingInputBytes = sized.signingInputBytes ?? 0;
  const koa = scenarios.includes('floor') ? await forkFloor(sized.responseBytes, { nodeFlags }) : undefined;
  if (koa) {
    servers.push(koa);
    log(`floor: bare Koa at ${koa.url} answering ${sized.responseBytes} bytes of JSON; ES256 sign loop over ${signingInputBytes} bytes`);
  }

  const refreshTokens: Record<string, string[]> = {};
  if (scenarios.includes('refresh_token')) {
    const seeding = performance.now();
    refreshTokens.baseline = await baseline.mintRefreshTokens(settings.chains);
    refreshTokens.purser = await purserRefreshTokens(purser.url, settings.chains);
    log(`refresh tokens: ${settings.chains} per target (Purser: real authorization-code flows with PKCE; baseline: minted with its models) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
  }
  log();

  const record = (scenario: Scenario, target: ServerProcess, m: Measurement) => {
    const row = (rows[`${scenario}/${target.name}`] ??= { scenario, target: target.name, rounds: [] });
    row.rounds.push(m);
    log(`  ${scenario} ${target.name}: ${(m.ok / m.seconds).toFixed(0)} tokens/s, p50 ${m.latencyMs.p50.toFixed(1)} ms, p99 ${m.latencyMs.p99.toFixed(1)} ms${m.firstError ? `, failures: ${m.firstError}` : ''}`);
  };
  // Alternate the order each round, so neither target always runs on a machine warmed by the other.
  const inOrder = (round: number) => (round % 2 === 0 ? targets : [...targets].reverse());
  const load = { connections: settings.connections, warmup: settings.warmup, duration: settings.duration };
  const signs: SignLoopResult[] = [];

  log('measuring…');
  for (const scenario of scenarios) {
    for (let round = 0; round < settings.rounds; round++) {
      if (scenario === 'floor' && koa) {
        record(scenario, koa, await runLoad('clientCredentials', { url: koa.url, ...SECRET_JWT_REQUEST, ...load }, { pids: { server: koa.child.pid } }));
        signs.push(await signLoop(signingInputBytes, settings.signSeconds));
        log(`  floor ES256 sign: ${microsPerSignature(signs.at(-1)!).toFixed(1)} µs CPU per signature`);
        continue;
      }
      for (const target of inOrder(round)) {
        if (scenario === 'refresh_token') {
          const job = { url: target.url, authorization: basicAuth(WEBAPP), tokens: refreshTokens[target.name]!, warmup: settings.warmup, duration: settings.duration, maxRequests: settings.maxRequests };
          const m = await runLoad('refresh', job, watched(target));
          // Chains go on from where they stopped: the next round rotates the newest tokens.
          refreshTokens[target.name] = m.tokens ?? [];
          record(scenario, target, m);
        } else {
          record(scenario, target, await runLoad('clientCredentials', { url: target.url, ...request(scenario, target), ...load }, watched(target)));
        }
      }
    }
  }

  // Right after the last measured window, before the sequential samples let the heaps settle.
  const memory: MemoryColumn[] = [];
  for (const server of servers) memory.push({ name: server.name, ...processMemory(server.child.pid), heap: await server.heap() });
  const live: MemoryColumn[] = [];
  const snapshots: string[] = [];
  for (const server of settings.heapSnapshotDir ? servers : []) {
    snapshots.push(await takeSnapshot(server, settings.heapSnapshotDir!));
    live.push({ name: server.name, ...processMemory(server.child.pid), heap: await server.heap() });
  }

  log('counting Redis round trips on sequential requests…');
  const samples: Partial<Record<Scenario, RedisSample>> = {};
  for (const scenario of CLIENT_CREDENTIALS_SCENARIOS.filter((s) => scenarios.includes(s))) {
    samples[scenario] = await sampleClientCredentials(probe, purser.url, settings.samples, request(scenario, purser));
  }
  const survivor = refreshTokens.purser?.[0];
  if (survivor) samples.refresh_token = await sampleRefresh(probe, purser.url, settings.samples, survivor);

  const row = (scenario: Scenario, target: string) => rows[`${scenario}/${target}`]!;
  const compared = scenarios.filter((scenario) => scenario !== 'floor');
  const ordered = scenarios.flatMap((scenario) => (scenario === 'floor' ? [row(scenario, 'koa')] : [row(scenario, 'baseline'), row(scenario, 'purser')]));
  log();
  log('== summary (median round) ==');
  log(resultsTable(ordered));
  ordered.map(roundsLine).filter(Boolean).forEach((line) => log(line));
  log(`CPU columns: CPU time during the measured window as % of one core (${availableParallelism()} cores = ${availableParallelism() * 100}%);`);
  log('other CPU is everything else on the machine (this orchestrator included): high means the run was disturbed.');
  if (scenarios.includes('client_credentials_sa')) log('client_credentials_sa: Purser with a ServiceAccount client assertion; the baseline with client_secret_basic (it has no ServiceAccount authentication).');
  log();
  log('== Purser / baseline ==');
  for (const scenario of compared) log(ratioLine(scenario, row(scenario, 'purser'), row(scenario, 'baseline')));
  log();
  log('== goals (issue 16) ==');
  for (const scenario of compared) goalLines(scenario, row(scenario, 'purser'), row(scenario, 'baseline'), samples[scenario]).forEach((line) => log(line));
  if (koa) {
    log();
    log('== floor (same run, same machine) ==');
    floorLines(row('floor', 'koa'), signs, signingInputBytes, compared.flatMap((scenario) => [row(scenario, 'baseline'), row(scenario, 'purser')])).forEach((line) => log(line));
  }
  log();
  log('== Redis per token request (Purser) ==');
  for (const scenario of compared) {
    const sample = samples[scenario];
    if (sample) redisLines(scenario, median(row(scenario, 'purser')), sample).forEach((line) => log(line));
    else log(`${scenario}: no refresh chain survived the load, no sample`);
  }
  log();
  log('== memory after the last measured window (MiB) ==');
  memoryTable(memory).forEach((line) => log(line));
  if (live.length) {
    log();
    log('== memory after a full GC (the heap snapshot\'s), MiB ==');
    memoryTable(live).forEach((line) => log(line));
    log(`heap snapshots: ${snapshots.join(', ')}`);
    log('  what holds them: node --max-old-space-size=4096 bench/token-throughput/heap-snapshot-summary.ts <file>');
  }
} finally {
  await Promise.allSettled(servers.map((server) => server.stop()));
  if (settings.cpuProfDir) await indexProfiles(settings.cpuProfDir, servers.map(({ name, child }) => ({ name, pid: child.pid })), Object.values(rows));
  await probe.close().catch(() => undefined);
  await redis.stop();
  await rm(dirname(fixtures.usersFile), { recursive: true, force: true });
  log();
  log(`done in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  if (settings.cpuProfDir) log(`CPU profiles in ${settings.cpuProfDir}: node bench/token-throughput/profile-summary.ts ${settings.cpuProfDir} <scenario>`);
}
