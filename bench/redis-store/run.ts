// node bench/redis-store/run.ts: what the Redis store's refresh path costs, without HTTP or oidc-provider. Against its
// own redis-server, C chains each repeat what a refresh_token grant asks of the store (src/store/adapter-request.ts):
// findWithGrant of the presented refresh token, then one atomic rotate (consume it, store its sealed successor and
// an access token). The floor, measured in the same run and the same way, is two bare ioredis EVALSHA calls of a
// script that only returns, carrying the same keys and payload bytes, with the same ids and payloads made: what any
// two-round-trip refresh pays for the client library and the socket. Prints main-thread CPU µs and Redis CPU µs per refresh, the ratio to the floor, and what Redis timed each command at.
// A fixed number of refreshes per phase, so that every run leaves its grants' indexes (which hold every token until
// it expires) the same size whatever its speed. BENCH_CHAINS (32), BENCH_ROUNDS (3), BENCH_REFRESHES (16000 per phase
// and round), BENCH_REDIS_TIMEOUT_MS (the store's commandTimeout, 2000 as PURSER_REDIS_TIMEOUT's default; 0: none).
// See bench/README.md.
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';

import type { Cluster, Redis } from 'ioredis';

import { grantBoundId } from '../../src/store/keys.ts';
import { RedisArtifactStore } from '../../src/store/redis/artifacts.ts';
import { connectRedis } from '../../src/store/redis/connection.ts';
import { sealSuccessor } from '../../src/store/successor-seal.ts';
import type { Payload } from '../../src/store/types.ts';
import { startRedisServer } from '../../test/support/redis-server.ts';

const CHAINS = Number(process.env.BENCH_CHAINS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_CHAIN = Math.ceil(Number(process.env.BENCH_REFRESHES ?? 16000) / CHAINS);
const TIMEOUT_MS = Number(process.env.BENCH_REDIS_TIMEOUT_MS ?? 2000);
const PREFIX = 'bench-store:';
const log = (line = '') => process.stdout.write(`${line}\n`);

/** Payloads shaped and sized like oidc-provider 9's for the bench's web client (jti dropped, as the adapter does). */
function grant(): Payload {
  const now = Math.floor(Date.now() / 1000);
  return { iat: now, exp: now + 1209600, accountId: 'alice', clientId: 'webapp.bench', kind: 'Grant', openid: { scope: 'openid offline_access profile email' }, resources: { 'https://api.bench.test': 'bench:read' } };
}

function refreshToken(grantId: string): Payload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iat: now, exp: now + 1209600, accountId: 'alice', acr: 'urn:purser:password', amr: ['pwd'], authTime: now, claims: {}, clientId: 'webapp.bench',
    expiresWithSession: false, grantId, gty: 'authorization_code refresh_token', iiat: now, kind: 'RefreshToken', nonce: randomBytes(12).toString('base64url'),
    resource: 'https://api.bench.test', rotations: 1, scope: 'openid offline_access profile email', sessionUid: randomBytes(16).toString('base64url'),
    sid: randomBytes(16).toString('base64url'), reuseGrace: 0,
  };
}

function accessToken(grantId: string): Payload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iat: now, exp: now + 600, accountId: 'alice', claims: {}, clientId: 'webapp.bench', expiresWithSession: false, grantId, gty: 'refresh_token', kind: 'AccessToken',
    scope: 'openid offline_access profile email', sessionUid: randomBytes(16).toString('base64url'), sid: randomBytes(16).toString('base64url'),
  };
}

const newId = (grantId: string) => grantBoundId(grantId, randomBytes(32).toString('base64url'));

interface Chain {
  grantId: string;
  current: string;
}

/** One refresh through the store, as AdapterRequest does it. */
async function refreshOnce(store: RedisArtifactStore, chain: Chain): Promise<void> {
  const found = await store.findWithGrant('RefreshToken', chain.current);
  if (!found?.grant) throw new Error('the refresh token or its grant is gone');
  const successor = { model: 'RefreshToken', id: newId(chain.grantId), payload: refreshToken(chain.grantId), expiresIn: 1209600 + 86400 };
  const alongside = { model: 'AccessToken', id: newId(chain.grantId), payload: accessToken(chain.grantId), expiresIn: 600 };
  const sealed = (found.payload.reuseGrace ?? 0) > 0 ? sealSuccessor(chain.current, successor.id) : '';
  const { outcome } = await store.rotate(chain.current, successor, sealed, alongside);
  if (outcome !== 'consumed') throw new Error(`rotate: ${outcome}`);
  chain.current = successor.id;
}

/** The floor: the same two round trips' bytes through bare EVALSHA of a script that does nothing (the chain stays put). */
function floorOnce(redis: Redis | Cluster, sha: string): (chain: Chain) => Promise<void> {
  return async (chain) => {
    const key = `${PREFIX}{${chain.grantId.slice(0, 8)}}:RefreshToken:${chain.current}`;
    await redis.evalsha(sha, 1, key);
    const successorPayload = JSON.stringify(refreshToken(chain.grantId));
    const accessPayload = JSON.stringify(accessToken(chain.grantId));
    const [successor, access] = [newId(chain.grantId), newId(chain.grantId)];
    await redis.evalsha(sha, 4, key, `${key}:${successor}`, `${key}:index`, `${key}:${access}`, Math.floor(Date.now() / 1000), successorPayload, 1296000, 0, '', accessPayload, 600);
  };
}

interface Phase {
  ops: number;
  seconds: number;
  mainUs: number;
  redisUs: number;
  /** Per refresh, by command (scripted ones included): calls and the µs Redis timed them at (INFO commandstats). */
  commands: Record<string, { calls: number; us: number }>;
}

async function commandStats(redis: Redis | Cluster): Promise<Record<string, { calls: number; us: number }>> {
  const stats: Record<string, { calls: number; us: number }> = {};
  for (const [, name, calls, us] of String(await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    stats[name!] = { calls: Number(calls), us: Number(us) };
  }
  return stats;
}

async function redisCpuUs(redis: Redis | Cluster): Promise<number> {
  const info = String(await redis.info('cpu'));
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** Runs PER_CHAIN steps of every chain; CPU of this process (all threads: the store is synchronous) and of Redis. */
async function measure(redis: Redis | Cluster, chains: Chain[], step: (chain: Chain) => Promise<void>): Promise<Phase> {
  let ops = 0;
  const [statsBefore, redisBefore] = [await commandStats(redis), await redisCpuUs(redis)];
  const [cpuBefore, began] = [process.cpuUsage(), performance.now()];
  await Promise.all(chains.map(async (chain) => {
    for (let i = 0; i < PER_CHAIN; i++) {
      await step(chain);
      ops++;
    }
  }));
  const [cpu, seconds] = [process.cpuUsage(cpuBefore), (performance.now() - began) / 1000];
  const redisUs = (await redisCpuUs(redis)) - redisBefore;
  const commands: Phase['commands'] = {};
  for (const [name, after] of Object.entries(await commandStats(redis))) {
    const before = statsBefore[name] ?? { calls: 0, us: 0 };
    if (after.calls > before.calls && name !== 'info') commands[name] = { calls: (after.calls - before.calls) / ops, us: (after.us - before.us) / ops };
  }
  return { ops, seconds, mainUs: (cpu.user + cpu.system) / ops, redisUs: redisUs / ops, commands };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

log(`purser redis-store bench — ${new Date().toISOString()}`);
log(`node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()}); ${CHAINS} concurrent chains, ${ROUNDS} round(s) of ${PER_CHAIN * CHAINS} refreshes per phase; commandTimeout ${TIMEOUT_MS || 'none'}`);
const server = await startRedisServer();
const redis = connectRedis({ url: server.url, mode: 'standalone', ...(TIMEOUT_MS ? { commandTimeoutMs: TIMEOUT_MS } : {}) });
try {
  const store = new RedisArtifactStore(redis, PREFIX);
  const chains: Chain[] = [];
  for (let i = 0; i < CHAINS; i++) {
    const grantId = randomBytes(32).toString('base64url');
    const current = newId(grantId);
    await store.upsert('Grant', grantId, grant(), 1209600);
    await store.upsert('RefreshToken', current, refreshToken(grantId), 1209600);
    chains.push({ grantId, current });
  }
  const sha = String(await redis.script('LOAD', 'return 1'));
  const phases: Record<'store' | 'floor', Phase[]> = { store: [], floor: [] };
  const steps = { store: (chain: Chain) => refreshOnce(store, chain), floor: floorOnce(redis, sha) };
  // Warm-up of both paths (JIT, script cache), not counted.
  await measure(redis, chains, steps.store);
  await measure(redis, chains, steps.floor);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so neither phase always runs on a machine warmed by the other.
    for (const name of round % 2 === 0 ? (['store', 'floor'] as const) : (['floor', 'store'] as const)) {
      const phase = await measure(redis, chains, steps[name]);
      phases[name].push(phase);
      log(`  round ${round + 1} ${name.padEnd(5)} ${(phase.ops / phase.seconds).toFixed(0).padStart(6)} refreshes/s  main ${phase.mainUs.toFixed(1).padStart(6)} µs  redis ${phase.redisUs.toFixed(1).padStart(6)} µs per refresh`);
    }
  }
  const summary = (name: 'store' | 'floor') => ({ main: median(phases[name].map((p) => p.mainUs)), redis: median(phases[name].map((p) => p.redisUs)) });
  const [s, f] = [summary('store'), summary('floor')];
  log();
  log('median per refresh          main-thread CPU µs   Redis CPU µs');
  log(`store (findWithGrant+rotate) ${s.main.toFixed(1).padStart(18)} ${s.redis.toFixed(1).padStart(14)}`);
  log(`floor (2 bare EVALSHA)       ${f.main.toFixed(1).padStart(18)} ${f.redis.toFixed(1).padStart(14)}`);
  log(`store / floor                ${(s.main / f.main).toFixed(2).padStart(17)}x ${(s.redis / f.redis).toFixed(2).padStart(13)}x`);
  const last = phases.store.at(-1)!.commands;
  log();
  log('store, last round, per refresh (INFO commandstats; EVALSHA\'s time includes its scripted commands\'):');
  for (const [name, { calls, us }] of Object.entries(last).sort(([, a], [, b]) => b.us - a.us)) log(`  ${name.padEnd(18)} ${calls.toFixed(2).padStart(5)} calls ${us.toFixed(1).padStart(6)} µs`);
} finally {
  redis.disconnect();
  await server.stop();
}
