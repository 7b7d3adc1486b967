// npm run bench: token throughput of Purser (production mode, real Redis) against bare oidc-provider, in one run.
// Starts its own redis-server and both servers, seeds refresh tokens, measures client_credentials (autocannon)
// and refresh-token rotation (chained load generator), each load generator in its own process, then counts
// Redis round trips per token request and prints one summary. See bench/README.md.
import { rm } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname } from 'node:path';

import { writeFixtures } from '../../test/support/purser.ts';
import { startRedisServer } from '../../test/support/redis-server.ts';
import { basicAuth, CLIENT_CREDENTIALS_BODY, MACHINE, WEBAPP } from './bench-clients.ts';
import { describeAccessToken } from './check-tokens.ts';
import { runLoad, type Measurement } from './load.ts';
import { indexProfiles } from './profiles.ts';
import { RedisProbe } from './redis-probe.ts';
import { median, ratioLine, redisLines, resultsTable, roundsLine, tokensPerSecond, type Row } from './report.ts';
import { sampleClientCredentials, sampleRefresh, type RedisSample } from './sample.ts';
import { purserRefreshTokens } from './seed-purser.ts';
import { forkBaseline, spawnPurser, type ServerProcess } from './servers.ts';
import { settings } from './settings.ts';

const GOAL = 0.9;
const SCENARIOS = ['client_credentials', 'refresh_token'];
const scenarios = SCENARIOS.filter((scenario) => settings.scenarios.includes(scenario));
const unknown = settings.scenarios.filter((scenario) => !SCENARIOS.includes(scenario));
if (unknown.length || !scenarios.length) throw new Error(`BENCH_SCENARIOS: expected some of ${SCENARIOS.join(', ')}, got "${settings.scenarios.join(',')}"`);
const { version: providerVersion } = (await import('oidc-provider/package.json', { with: { type: 'json' } })).default as { version: string };
const log = (line = '') => process.stdout.write(`${line}\n`);
const began = performance.now();

log(`purser token-throughput bench — ${new Date().toISOString()}`);
log(`node ${process.version}, oidc-provider ${providerVersion}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()})`);
log(
  `client_credentials: autocannon -c ${settings.connections}; refresh_token: ${settings.chains} rotating chains; ` +
    `${settings.warmup} s warm-up + ${settings.duration} s measured, ${settings.rounds} round(s)`,
);
log(`baseline: bare oidc-provider, static clients, ${settings.baselineAdapter === 'map' ? 'lean Map adapter (baseline-adapter.ts)' : 'oidc-provider\'s stock memory adapter'}`);
log('servers, redis-server and each load generator are separate processes sharing this machine\'s CPUs');
log();

const redis = await startRedisServer();
const fixtures = await writeFixtures();
const probe = new RedisProbe(redis.url);
const nodeFlags = settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`] : [];
const servers: ServerProcess[] = [];
const rows: Record<string, Row> = {};

try {
  const baseline = await forkBaseline(fixtures, { nodeFlags, adapter: settings.baselineAdapter });
  servers.push(baseline);
  const purser = await spawnPurser(redis.url, 'bench:', fixtures, { nodeFlags });
  servers.push(purser);
  const targets = [baseline, purser];
  const watched = (target: ServerProcess) => ({
    pids: { server: target.child.pid, redis: redis.process.pid },
    ...(target === purser ? { redis: probe } : {}),
  });

  for (const target of targets) log(`${target.name.padEnd(8)} ${target.url}  access token: ${await describeAccessToken(target.url)}`);

  const refreshTokens: Record<string, string[]> = {};
  if (scenarios.includes('refresh_token')) {
    const seeding = performance.now();
    refreshTokens.baseline = await baseline.mintRefreshTokens(settings.chains);
    refreshTokens.purser = await purserRefreshTokens(purser.url, settings.chains);
    log(`refresh tokens: ${settings.chains} per target (Purser: real authorization-code flows with PKCE; baseline: minted with its models) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
  }
  log();

  const record = (scenario: string, target: ServerProcess, m: Measurement) => {
    const row = (rows[`${scenario}/${target.name}`] ??= { scenario, target: target.name, rounds: [] });
    row.rounds.push(m);
    log(`  ${scenario} ${target.name}: ${(m.ok / m.seconds).toFixed(0)} tokens/s, p50 ${m.latencyMs.p50.toFixed(1)} ms, p99 ${m.latencyMs.p99.toFixed(1)} ms${m.firstError ? `, failures: ${m.firstError}` : ''}`);
  };
  // Alternate the order each round, so neither target always runs on a machine warmed by the other.
  const inOrder = (round: number) => (round % 2 === 0 ? targets : [...targets].reverse());

  log('measuring…');
  for (let round = 0; scenarios.includes('client_credentials') && round < settings.rounds; round++) {
    for (const target of inOrder(round)) {
      const job = { url: target.url, authorization: basicAuth(MACHINE), body: CLIENT_CREDENTIALS_BODY, connections: settings.connections, warmup: settings.warmup, duration: settings.duration };
      record('client_credentials', target, await runLoad('clientCredentials', job, watched(target)));
    }
  }
  for (let round = 0; scenarios.includes('refresh_token') && round < settings.rounds; round++) {
    for (const target of inOrder(round)) {
      const job = { url: target.url, authorization: basicAuth(WEBAPP), tokens: refreshTokens[target.name]!, warmup: settings.warmup, duration: settings.duration, maxRequests: settings.maxRequests };
      const m = await runLoad('refresh', job, watched(target));
      // Chains go on from where they stopped: the next round rotates the newest tokens.
      refreshTokens[target.name] = m.tokens ?? [];
      record('refresh_token', target, m);
    }
  }

  log('counting Redis round trips on sequential requests…');
  const samples: Record<string, RedisSample | undefined> = {};
  if (scenarios.includes('client_credentials')) samples.client_credentials = await sampleClientCredentials(probe, purser.url, settings.samples);
  const survivor = refreshTokens.purser?.[0];
  if (survivor) samples.refresh_token = await sampleRefresh(probe, purser.url, settings.samples, survivor);

  const row = (scenario: string, target: string) => rows[`${scenario}/${target}`]!;
  const ordered = scenarios.flatMap((scenario) => [row(scenario, 'baseline'), row(scenario, 'purser')]);
  log();
  log('== summary (median round) ==');
  log(resultsTable(ordered));
  ordered.map(roundsLine).filter(Boolean).forEach((line) => log(line));
  log(`CPU columns: CPU time during the measured window as % of one core (${availableParallelism()} cores = ${availableParallelism() * 100}%);`);
  log('other CPU is everything else on the machine (this orchestrator included): high means the run was disturbed.');
  log();
  log('== Purser / baseline ==');
  for (const scenario of scenarios) log(ratioLine(scenario, row(scenario, 'purser'), row(scenario, 'baseline')));
  if (scenarios.includes('client_credentials')) {
    const ratio = tokensPerSecond(median(row('client_credentials', 'purser'))) / tokensPerSecond(median(row('client_credentials', 'baseline')));
    log(`goal (client_credentials, Purser >= ${GOAL * 100}% of baseline): ${ratio >= GOAL ? 'met' : 'NOT met'} (${(ratio * 100).toFixed(1)}%)`);
  }
  log();
  log('== Redis per token request (Purser) ==');
  for (const scenario of scenarios) {
    const sample = samples[scenario];
    if (sample) redisLines(scenario, median(row(scenario, 'purser')), sample).forEach((line) => log(line));
    else log(`${scenario}: no refresh chain survived the load, no sample`);
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
