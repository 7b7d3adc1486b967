// node bench/workload-identity/run.ts: client_credentials with a ServiceAccount token as the client assertion
// (README "Workload identity") against the same client with its client secret (client_secret_basic), in one run, on
// one Purser (production mode, real Redis). The bench plays the controller: it publishes a cluster issuer's RSA key
// to Redis, as issuer discovery would, and signs one RS256 token the way kube-apiserver does. See bench/README.md.
import { rm } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname } from 'node:path';

import { writeFixtures } from '../../test/support/purser.ts';
import { startRedisServer } from '../../test/support/redis-server.ts';
import { assertionBody, publishServiceAccountToken } from '../support/service-account.ts';
import { basicAuth, CLIENT_CREDENTIALS_BODY, MACHINE } from '../token-throughput/bench-clients.ts';
import { runLoad } from '../token-throughput/load.ts';
import { median, resultsTable, roundsLine, tokensPerSecond, type Row } from '../token-throughput/report.ts';
import { spawnPurser, type ServerProcess } from '../token-throughput/servers.ts';
import { settings } from '../token-throughput/settings.ts';

/** The issue's goal: a ServiceAccount token costs at most 15% of the secret's throughput. */
const GOAL = 0.85;
const PREFIX = 'bench:';
const log = (line = '') => process.stdout.write(`${line}\n`);
const began = performance.now();

log(`purser workload-identity bench — ${new Date().toISOString()}`);
log(`node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()})`);
log(`client_credentials for ${MACHINE.clientId}: autocannon -c ${settings.connections}, ${settings.warmup} s warm-up + ${settings.duration} s measured, ${settings.rounds} round(s)`);
log();

const redis = await startRedisServer();
const fixtures = await writeFixtures();
let purser: ServerProcess | undefined;
try {
  purser = await spawnPurser(redis.url, PREFIX, fixtures);
  const token = await publishServiceAccountToken(redis.url, PREFIX, purser.url);
  const targets = [
    { name: 'secret', authorization: basicAuth(MACHINE), body: CLIENT_CREDENTIALS_BODY },
    { name: 'sa-token', body: assertionBody(CLIENT_CREDENTIALS_BODY, MACHINE.clientId, token) },
  ];
  // Both must work before anything is measured; the token names the ServiceAccount only when it authenticated.
  // A server reads the published keys again at most once a second when a token names an issuer it does not hold.
  for (const target of targets) {
    let answer: { access_token?: string } = {};
    for (let attempt = 0; !answer.access_token; attempt++) {
      const response = await fetch(`${purser.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(target.authorization ? { authorization: target.authorization } : {}) }, body: target.body });
      answer = (await response.json()) as { access_token?: string };
      if (!answer.access_token && attempt === 5) throw new Error(`${target.name}: ${response.status} ${JSON.stringify(answer)}`);
      if (!answer.access_token) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const claims = JSON.parse(Buffer.from(answer.access_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    log(`${target.name.padEnd(8)} access token: aud ${String(claims.aud)}, scope ${String(claims.scope)}${claims.service_account ? `, service_account ${String(claims.service_account)}` : ''}`);
  }
  log();

  const rows: Record<string, Row> = {};
  const server = purser;
  log('measuring…');
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const m = await runLoad('clientCredentials', { url: server.url, ...target, connections: settings.connections, warmup: settings.warmup, duration: settings.duration }, { pids: { server: server.child.pid, redis: redis.process.pid } });
      (rows[target.name] ??= { scenario: 'client_credentials', target: target.name, rounds: [] }).rounds.push(m);
      log(`  ${target.name}: ${(m.ok / m.seconds).toFixed(0)} tokens/s, p50 ${m.latencyMs.p50.toFixed(1)} ms, p99 ${m.latencyMs.p99.toFixed(1)} ms${m.firstError ? `, failures: ${m.firstError}` : ''}`);
    }
  }

  const [secret, assertion] = [rows.secret!, rows['sa-token']!];
  log();
  log('== summary (median round) ==');
  log(resultsTable([secret, assertion]));
  [secret, assertion].map(roundsLine).filter(Boolean).forEach((line) => log(line));
  const ratio = tokensPerSecond(median(assertion)) / tokensPerSecond(median(secret));
  const [a, s] = [median(assertion), median(secret)];
  const cpu = a.cpu.server && s.cpu.server ? a.cpu.server / a.ok / (s.cpu.server / s.ok) : undefined;
  log();
  log(`sa-token / secret: throughput ${ratio.toFixed(2)}, p50 ${(a.latencyMs.p50 / s.latencyMs.p50).toFixed(2)}x, p99 ${(a.latencyMs.p99 / s.latencyMs.p99).toFixed(2)}x${cpu === undefined ? '' : `, server CPU per token ${cpu.toFixed(2)}x`}`);
  log(`goal (ServiceAccount token >= ${GOAL * 100}% of the secret's throughput): ${ratio >= GOAL ? 'met' : 'NOT met'} (${(ratio * 100).toFixed(1)}%)`);
} finally {
  await purser?.stop();
  await redis.stop();
  await rm(dirname(fixtures.usersFile), { recursive: true, force: true });
  log();
  log(`done in ${((performance.now() - began) / 1000).toFixed(0)} s`);
}
