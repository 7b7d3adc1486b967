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
import { RedisProbe } from './redis-probe.ts';
import { median, ratioLine, redisLines, resultsTable, roundsLine, type Row } from './report.ts';
import { sampleClientCredentials, sampleRefresh } from './sample.ts';
import { purserRefreshTokens } from './seed-purser.ts';
import { forkBaseline, spawnPurser, type ServerProcess } from './servers.ts';
import { settings } from './settings.ts';

const GOAL = 0.9;
const { version: providerVersion } = (await import('oidc-provider/package.json', { with: { type: 'json' } })).default as { version: string };
const log = (line = '') => process.stdout.write(`${line}\n`);
const began = performance.now();

log(`purser token-throughput bench — ${new Date().toISOString()}`);
log(`node ${process.version}, oidc-provider ${providerVersion}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()})`);
log(
  `client_credentials: autocannon -c ${settings.connections}; refresh_token: ${settings.chains} rotating chains; ` +
    `${settings.warmup} s warm-up + ${settings.duration} s measured, ${settings.rounds} round(s)`,
);
log('servers, redis-server and each load generator are separate processes sharing this machine\'s CPUs');
log();

const redis = await startRedisServer();
const fixtures = await writeFixtures();
const probe = new RedisProbe(redis.url);
const nodeFlags = settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`] : [];
const servers: ServerProcess[] = [];

try {
  const baseline = await forkBaseline(fixtures, { nodeFlags });
  servers.push(baseline);
  const purser = await spawnPurser(redis.url, 'bench:', fixtures, { nodeFlags });
  servers.push(purser);
  const targets = [baseline, purser];
  const watched = (target: ServerProcess) => ({
    pids: { server: target.child.pid, redis: redis.process.pid },
    ...(target === purser ? { redis: probe } : {}),
  });

  for (const target of targets) log(`${target.name.padEnd(8)} ${target.url}  access token: ${await describeAccessToken(target.url)}`);

  const seeding = performance.now();
  const refreshTokens: Record<string, string[]> = {
    baseline: await baseline.mintRefreshTokens(settings.chains),
    purser: await purserRefreshTokens(purser.url, settings.chains),
  };
  log(`refresh tokens: ${settings.chains} per target (Purser: real authorization-code flows with PKCE; baseline: minted with its models) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
  log();

  const rows: Record<string, Row> = {};
  const record = (scenario: string, target: ServerProcess, m: Measurement) => {
    const row = (rows[`${scenario}/${target.name}`] ??= { scenario, target: target.name, rounds: [] });
    row.rounds.push(m);
    log(`  ${scenario} ${target.name}: ${(m.ok / m.seconds).toFixed(0)} tokens/s, p50 ${m.latencyMs.p50.toFixed(1)} ms, p99 ${m.latencyMs.p99.toFixed(1)} ms${m.firstError ? `, failures: ${m.firstError}` : ''}`);
  };
  // Alternate the order each round, so neither target always runs on a machine warmed by the other.
  const inOrder = (round: number) => (round % 2 === 0 ? targets : [...targets].reverse());

  log('measuring…');
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of inOrder(round)) {
      const job = { url: target.url, authorization: basicAuth(MACHINE), body: CLIENT_CREDENTIALS_BODY, connections: settings.connections, warmup: settings.warmup, duration: settings.duration };
      record('client_credentials', target, await runLoad('clientCredentials', job, watched(target)));
    }
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of inOrder(round)) {
      const job = { url: target.url, authorization: basicAuth(WEBAPP), tokens: refreshTokens[target.name]!, warmup: settings.warmup, duration: settings.duration, maxRequests: settings.maxRequests };
      const m = await runLoad('refresh', job, watched(target));
      // Chains go on from where they stopped: the next round rotates the newest tokens.
      refreshTokens[target.name] = m.tokens ?? [];
      record('refresh_token', target, m);
    }
  }

  log('counting Redis round trips on sequential requests…');
  const ccSample = await sampleClientCredentials(probe, purser.url, settings.samples);
  const refreshSample = refreshTokens.purser![0] ? await sampleRefresh(probe, purser.url, settings.samples, refreshTokens.purser![0]) : undefined;

  const row = (scenario: string, target: string) => rows[`${scenario}/${target}`]!;
  const ordered = ['client_credentials', 'refresh_token'].flatMap((scenario) => [row(scenario, 'baseline'), row(scenario, 'purser')]);
  log();
  log('== summary (median round) ==');
  log(resultsTable(ordered));
  ordered.map(roundsLine).filter(Boolean).forEach((line) => log(line));
  log('server CPU, redis CPU, loadgen CPU: CPU time during the measured window as % of one core (2 cores = 200%).');
  log();
  log('== Purser / baseline ==');
  for (const scenario of ['client_credentials', 'refresh_token']) log(ratioLine(scenario, row(scenario, 'purser'), row(scenario, 'baseline')));
  const ccRatio = median(row('client_credentials', 'purser')).ok / median(row('client_credentials', 'purser')).seconds /
    (median(row('client_credentials', 'baseline')).ok / median(row('client_credentials', 'baseline')).seconds);
  log(`goal (client_credentials, Purser >= ${GOAL * 100}% of baseline): ${ccRatio >= GOAL ? 'met' : 'NOT met'} (${(ccRatio * 100).toFixed(1)}%)`);
  log();
  log('== Redis per token request (Purser) ==');
  redisLines('client_credentials', median(row('client_credentials', 'purser')), ccSample).forEach((line) => log(line));
  if (refreshSample) redisLines('refresh_token', median(row('refresh_token', 'purser')), refreshSample).forEach((line) => log(line));
  else log('refresh_token: no chain survived the load, no sample');
} finally {
  await Promise.allSettled(servers.map((server) => server.stop()));
  await probe.close().catch(() => undefined);
  await redis.stop();
  await rm(dirname(fixtures.usersFile), { recursive: true, force: true });
  log();
  log(`done in ${((performance.now() - began) / 1000).toFixed(0)} s${settings.cpuProfDir ? `; CPU profiles in ${settings.cpuProfDir}` : ''}`);
}
