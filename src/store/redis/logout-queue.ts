// Redis LogoutQueue: a sorted set of job ids scored by when each is next due (ms, Redis's clock), and one hash per
// job (`j` = the job JSON, `a` = attempts so far). Every key carries the `{logout}` hash tag, so the scripts below
// touch one Redis Cluster slot; the queue is small (one entry per session end, kept minutes), so one slot suffices.
import type { Cluster, Redis } from 'ioredis';

import type { ClaimedLogout, LogoutJob, LogoutQueue } from '../types.ts';

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: due set, job hash; ARGV: job JSON, id, retention s. The HSET comes first: a full Redis refuses it whole. The
 * set's TTL only grows, so it outlives every job in it, whatever retention each replica computed.
 */
const ENQUEUE = `${NOW_MS}
redis.call('HSET', KEYS[2], 'j', ARGV[1], 'a', 0)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[2])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end`;

/**
 * KEYS: due set; ARGV: job key prefix, limit, lease ms. Returns [job JSON, attempt, ...]. The job hashes are named
 * from ARGV because their ids come from the set; they share its hash tag, so they live in the slot the script runs on.
 */
const CLAIM = `${NOW_MS}
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))) do
  local key = ARGV[1] .. id
  local job = redis.call('HGET', key, 'j')
  if job then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
    table.insert(out, job)
    table.insert(out, redis.call('HINCRBY', key, 'a', 1))
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`;

/** KEYS: due set, job hash; ARGV: id, delay ms. Reschedules only a job that still exists. */
const RETRY = `${NOW_MS}
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1]) end`;

/** KEYS: due set, job hash; ARGV: id, delay ms. Like RETRY, and takes back the attempt CLAIM counted. */
const RELEASE = `${NOW_MS}
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
  if tonumber(redis.call('HGET', KEYS[2], 'a')) > 0 then redis.call('HINCRBY', KEYS[2], 'a', -1) end
end`;

type Client = (Redis | Cluster) & {
  purserLogoutEnqueue(due: string, job: string, json: string, id: string, retention: number): Promise<void>;
  purserLogoutClaim(due: string, jobPrefix: string, limit: number, leaseMs: number): Promise<(string | number)[]>;
  purserLogoutRetry(due: string, job: string, id: string, delayMs: number): Promise<void>;
  purserLogoutRelease(due: string, job: string, id: string, delayMs: number): Promise<void>;
};

export class RedisLogoutQueue implements LogoutQueue {
  readonly #redis: Client;
  readonly #due: string;
  readonly #jobPrefix: string;

  constructor(redis: Redis | Cluster, prefix: string) {
    redis.defineCommand('purserLogoutEnqueue', { lua: ENQUEUE, numberOfKeys: 2 });
    redis.defineCommand('purserLogoutClaim', { lua: CLAIM, numberOfKeys: 1 });
    redis.defineCommand('purserLogoutRetry', { lua: RETRY, numberOfKeys: 2 });
    redis.defineCommand('purserLogoutRelease', { lua: RELEASE, numberOfKeys: 2 });
    this.#redis = redis as Client;
    this.#due = `${prefix}{logout}:due`;
    this.#jobPrefix = `${prefix}{logout}:job:`;
  }

  async enqueue(job: LogoutJob, retentionSeconds: number): Promise<void> {
    await this.#redis.purserLogoutEnqueue(this.#due, this.#jobPrefix + job.jti, JSON.stringify(job), job.jti, Math.max(1, Math.ceil(retentionSeconds)));
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedLogout[]> {
    const flat = await this.#redis.purserLogoutClaim(this.#due, this.#jobPrefix, limit, Math.ceil(leaseMs));
    const claimed: ClaimedLogout[] = [];
    for (let i = 0; i < flat.length; i += 2) claimed.push({ job: JSON.parse(String(flat[i])) as LogoutJob, attempt: Number(flat[i + 1]) });
    return claimed;
  }

  async retryLater(jti: string, delayMs: number): Promise<void> {
    await this.#redis.purserLogoutRetry(this.#due, this.#jobPrefix + jti, jti, Math.ceil(delayMs));
  }

  async release(jti: string, delayMs: number): Promise<void> {
    await this.#redis.purserLogoutRelease(this.#due, this.#jobPrefix + jti, jti, Math.ceil(delayMs));
  }

  async finish(jti: string): Promise<void> {
    await this.#redis.multi().zrem(this.#due, jti).del(this.#jobPrefix + jti).exec();
  }
}
