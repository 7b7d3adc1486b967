// node bench/key-rotation/run.ts: what a key rotation costs a running server. One Purser process (production mode,
// real Redis) reads its keys from a folder updated the way the kubelet updates a mounted Secret. client_credentials
// throughput is measured with the keys left alone (the baseline) and while a new key set arrives every second, so the
// server builds a new provider every second (a real rotation happens once per PURSER_SIGNING_KEY_ROTATION_PERIOD,
// 30 days by default). Then it times how long a new key set takes to sign the first token. See bench/README.md.
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateCookieKey, generateSigningKeys, type Jwks } from '../../src/api/key-set.ts';
import { writeAtomically } from '../../test/support/atomic-dir.ts';
import { writeFixtures } from '../../test/support/purser.ts';
import { startRedisServer } from '../../test/support/redis-server.ts';
import { basicAuth, CLIENT_CREDENTIALS_BODY, MACHINE } from '../token-throughput/bench-clients.ts';
import { runLoad, type Measurement } from '../token-throughput/load.ts';
import { median, resultsTable, tokensPerSecond, type Row } from '../token-throughput/report.ts';
import { spawnPurser } from '../token-throughput/servers.ts';
import { settings } from '../token-throughput/settings.ts';

const SWAP_EVERY_MS = 1000;
const LATENCY_SAMPLES = 10;
const log = (line = '') => process.stdout.write(`${line}\n`);
const cookieKey = generateCookieKey();

/** A key set as the controller writes it after a rotation: new keys sign, the previous ones only verify. */
function rotatedSet(previous: Jwks): Jwks {
  const next = generateSigningKeys();
  return { keys: [...next.keys, ...previous.keys.slice(0, 2).map((key) => ({ ...key, key_ops: ['verify'] }))] };
}

const filesOf = (jwks: Jwks) => ({ 'jwks.json': JSON.stringify(jwks), 'cookie-keys': `${cookieKey}\n` });

log(`purser key-rotation bench — ${new Date().toISOString()}`);
log(`node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()})`);
log(`client_credentials, autocannon -c ${settings.connections}, ${settings.warmup} s warm-up + ${settings.duration} s measured, ${settings.rounds} round(s); rotating: a new key set every ${SWAP_EVERY_MS} ms, --keys-reload-interval=1s`);

const sets: Jwks[] = [generateSigningKeys()];
const needed = settings.rounds * Math.ceil(((settings.warmup + settings.duration) * 1000) / SWAP_EVERY_MS) + LATENCY_SAMPLES + 5;
while (sets.length < needed) sets.push(rotatedSet(sets.at(-1)!));
log(`${sets.length} key sets generated before measuring (key generation stays out of the measured CPU)`);
log();

const dir = await mkdtemp(join(tmpdir(), 'purser-bench-keys-'));
let current = 0;
await writeAtomically(dir, filesOf(sets[0]!));
const redis = await startRedisServer();
const fixtures = { ...(await writeFixtures()), jwksFile: join(dir, 'jwks.json'), cookieKeysFile: join(dir, 'cookie-keys') };
const purser = await spawnPurser(redis.url, 'bench-keys:', fixtures, { flags: ['--keys-reload-interval=1s'] });
const job = { url: purser.url, authorization: basicAuth(MACHINE), body: CLIENT_CREDENTIALS_BODY, connections: settings.connections, warmup: settings.warmup, duration: settings.duration };
const watched = { pids: { server: purser.child.pid, redis: redis.process.pid } };

const swapOnce = () => writeAtomically(dir, filesOf(sets[++current]!));

async function tokenKid(): Promise<string> {
  const response = await fetch(`${purser.url}/token`, { method: 'POST', headers: { authorization: job.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: job.body });
  const { access_token } = (await response.json()) as { access_token: string };
  return (JSON.parse(Buffer.from(access_token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}

try {
  const rows: Record<string, Row> = {};
  const record = (target: string, m: Measurement) => {
    (rows[target] ??= { scenario: 'client_credentials', target, rounds: [] }).rounds.push(m);
    log(`  ${target}: ${tokensPerSecond(m).toFixed(0)} tokens/s, p99 ${m.latencyMs.p99.toFixed(1)} ms, ${m.errors} failed${m.firstError ? ` (${m.firstError})` : ''}`);
  };
  const swapsBefore = () => current;
  for (let round = 0; round < settings.rounds; round++) {
    // Alternate the order each round, so neither mode always runs on a machine warmed by the other.
    for (const mode of round % 2 === 0 ? ['steady keys', 'rotating keys'] : ['rotating keys', 'steady keys']) {
      const from = swapsBefore();
      const swapper = mode === 'rotating keys' ? setInterval(() => void swapOnce(), SWAP_EVERY_MS) : undefined;
      try {
        record(mode, await runLoad('clientCredentials', job, watched));
      } finally {
        clearInterval(swapper);
      }
      if (swapper) log(`    (${current - from} key sets swapped in during that run)`);
    }
  }

  // Swap → first token signed with the new key: the reload interval bounds it (the files are polled). Each swap
  // comes at a random moment of the polling cycle, as a kubelet's would.
  const latencies: number[] = [];
  for (let sample = 0; sample < LATENCY_SAMPLES; sample++) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
    await swapOnce();
    const started = performance.now();
    const wanted = sets[current]!.keys.find((key) => key.alg === 'ES256')!.kid;
    while ((await tokenKid()) !== wanted) await new Promise((resolve) => setTimeout(resolve, 5));
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);

  const steady = median(rows['steady keys']!);
  const rotating = median(rows['rotating keys']!);
  const cpuPerToken = (m: Measurement) => (m.cpu.server ?? NaN) / m.ok;
  log();
  log(resultsTable(Object.values(rows)));
  log();
  log(`rotating/steady: throughput ${(tokensPerSecond(rotating) / tokensPerSecond(steady)).toFixed(2)}, p99 ${(rotating.latencyMs.p99 / steady.latencyMs.p99).toFixed(2)}x, server CPU per token ${(cpuPerToken(rotating) / cpuPerToken(steady)).toFixed(2)}x, failed requests while rotating: ${rows['rotating keys']!.rounds.reduce((sum, m) => sum + m.errors, 0)}`);
  log(`new key set → first token signed with it (${LATENCY_SAMPLES} swaps, reload interval 1 s): p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`);
} finally {
  await purser.stop();
  await redis.stop();
}
