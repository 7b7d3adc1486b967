// Back-Channel Logout 1.0 §2.7-2.8 delivered from a queue: logout enqueues one job per client and answers the user at
// once; every replica polls the shared queue and delivers what is due, whoever enqueued it. A failed delivery is
// retried with exponential backoff up to a bounded number of attempts; a replica that dies mid-delivery leaves its
// job to another one once the job's lease runs out. At-least-once: the token's jti lets a client drop a repeat.
// Deliveries run in a bounded pool that takes a new job as soon as a slot frees, and one client holds at most a few
// slots: a client whose endpoint hangs (each attempt up to the timeout) delays no other client's logouts.
import type { Logger } from '../../log.ts';
import type { ClaimedLogout, LogoutJob, LogoutQueue } from '../../store/types.ts';
import type { PreparedLogout } from './logout-token.ts';
import type { PostOutcome } from './post-logout-token.ts';

/**
 * delivered; retried (a failed attempt with attempts left); failed (the last attempt failed); dropped (client gone);
 * refused (the URI reaches an address deliveries may not go to: not retried).
 */
export type DeliveryOutcome = 'delivered' | 'retried' | 'failed' | 'dropped' | 'refused';

export interface DeliveryOptions {
  queue: LogoutQueue;
  log: Logger;
  /** Deadline of one POST, in ms. */
  timeoutMs: number;
  /** Attempts before giving up, at least 1. */
  attempts: number;
  /** Wait before the first retry, in ms; each later one waits twice as long, at most MAX_RETRY_DELAY_MS. */
  retryDelayMs: number;
  /** The signed token for a job and where to send it, or `undefined` when its client no longer takes one. */
  prepare(job: LogoutJob): Promise<PreparedLogout | undefined>;
  /** One POST (postLogoutToken over the server's delivery network). */
  post(uri: string, token: string, timeoutMs: number): Promise<PostOutcome>;
  /** Told the outcome of every attempt (the metrics). */
  count?(outcome: DeliveryOutcome): void;
  /** How often an idle replica looks for due jobs, in ms. */
  pollIntervalMs?: number;
}

export const MAX_RETRY_DELAY_MS = 300_000;
/** Deliveries one replica makes at once. */
const MAX_IN_FLIGHT = 16;
/** Of them, to one client: the rest stay free for the other clients. */
export const MAX_IN_FLIGHT_PER_CLIENT = 4;

export class LogoutDeliveries {
  readonly #options: DeliveryOptions & Required<Pick<DeliveryOptions, 'pollIntervalMs'>>;
  readonly #leaseMs: number;
  readonly #retentionSeconds: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  readonly #inFlight = new Set<Promise<void>>();
  /** Deliveries under way, by client_id. */
  readonly #perClient = new Map<string, number>();
  /** Whether the last look at the queue failed: a Redis outage is logged once, not at every poll. */
  #queueFailing = false;

  constructor(options: DeliveryOptions) {
    this.#options = { pollIntervalMs: 1_000, ...options };
    // Long enough for one attempt (signing is quick; the POST has its deadline) before another replica may take it.
    this.#leaseMs = 2 * options.timeoutMs + 1_000;
    const waits = Array.from({ length: options.attempts }, (_, index) => this.retryDelay(index + 1)).reduce((sum, wait) => sum + wait, 0);
    this.#retentionSeconds = Math.ceil((waits + options.attempts * this.#leaseMs) / 1000) + 60;
  }

  /** The wait after failed attempt `attempt` (1-based), in ms. */
  retryDelay(attempt: number): number {
    return Math.min(this.#options.retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  }

  /** Queues `job` and has this replica look at the queue now. Rejects when the queue cannot store it. */
  async enqueue(job: LogoutJob): Promise<void> {
    await this.#options.queue.enqueue(job, this.#retentionSeconds);
    if (!this.#stopped) this.#wake();
  }

  /**
   * Takes due jobs into the free slots of the pool, makes one attempt at each, and resolves with how many it took
   * once those attempts are over (the polling loop does not wait for them: see #fill).
   */
  async deliverDue(): Promise<number> {
    const started = await this.#fill();
    await Promise.all(started);
    return started.length;
  }

  /**
   * Claims due jobs while the pool has free slots and starts an attempt at each; resolves with the attempts started,
   * without waiting for them. A job whose client has MAX_IN_FLIGHT_PER_CLIENT deliveries under way is given back
   * uncounted, due again at the next poll, and the next due job is taken in its place.
   */
  async #fill(): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    while (this.#inFlight.size < MAX_IN_FLIGHT) {
      const wanted = MAX_IN_FLIGHT - this.#inFlight.size;
      const claimed = await this.#options.queue.claim(wanted, this.#leaseMs);
      const deferred: ClaimedLogout[] = [];
      for (const entry of claimed) {
        if ((this.#perClient.get(entry.job.clientId) ?? 0) < MAX_IN_FLIGHT_PER_CLIENT) started.push(this.#start(entry));
        else deferred.push(entry);
      }
      await Promise.all(deferred.map((entry) => this.#options.queue.release(entry.job.jti, this.#options.pollIntervalMs)));
      if (claimed.length < wanted) break;
    }
    return started;
  }

  /** Runs one attempt in a slot of the pool; when it ends, the slot is filled again at once. */
  #start(claimed: ClaimedLogout): Promise<void> {
    const { clientId } = claimed.job;
    this.#perClient.set(clientId, (this.#perClient.get(clientId) ?? 0) + 1);
    const attempt: Promise<void> = this.#attempt(claimed).finally(() => {
      this.#inFlight.delete(attempt);
      const left = this.#perClient.get(clientId)! - 1;
      if (left) this.#perClient.set(clientId, left);
      else this.#perClient.delete(clientId);
      if (!this.#stopped) this.#wake();
    });
    this.#inFlight.add(attempt);
    return attempt;
  }

  /** Starts polling the queue. */
  start(): void {
    this.#stopped = false;
    this.#wake();
  }

  /** Stops polling and waits for the attempts under way; what is left stays queued for the other replicas. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await Promise.all(this.#inFlight);
  }

  #wake(): void {
    clearTimeout(this.#timer);
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) this.#wake();
      else this.#timer = setTimeout(() => this.#wake(), this.#options.pollIntervalMs).unref();
    });
  }

  async #drain(): Promise<void> {
    this.#again = false;
    try {
      await this.#fill();
      if (this.#queueFailing) this.#options.log.info('back-channel logout: the delivery queue answers again');
      this.#queueFailing = false;
    } catch (error) {
      if (!this.#queueFailing) this.#options.log.warn({ err: error }, 'back-channel logout: cannot read the delivery queue; trying again at every poll');
      this.#queueFailing = true;
    }
  }

  async #attempt(claimed: ClaimedLogout): Promise<void> {
    const outcome = await this.#deliver(claimed.job).catch((error: Error): PostOutcome => ({ delivered: false, reason: error.message }));
    try {
      await this.#settle(claimed, outcome);
    } catch (error) {
      this.#options.log.warn({ client_id: claimed.job.clientId, jti: claimed.job.jti, err: error }, 'back-channel logout: cannot update the delivery queue; the job is due again when its lease ends');
    }
  }

  async #deliver(job: LogoutJob): Promise<PostOutcome | 'dropped'> {
    const delivery = await this.#options.prepare(job);
    return delivery ? this.#options.post(delivery.uri, delivery.token, this.#options.timeoutMs) : 'dropped';
  }

  /** Removes or reschedules the job after one attempt, counts and logs the outcome (never the token). */
  async #settle({ job, attempt }: ClaimedLogout, outcome: PostOutcome | 'dropped'): Promise<void> {
    const { queue, log, attempts } = this.#options;
    const entry = { client_id: job.clientId, jti: job.jti, attempt };
    if (outcome === 'dropped') {
      await queue.finish(job.jti);
      this.#report('dropped');
      log.info(entry, 'back-channel logout dropped: the client no longer has a backchannelLogoutUri');
    } else if (!outcome.delivered && outcome.refused) {
      await queue.finish(job.jti);
      this.#report('refused');
      log.warn({ ...entry, reason: outcome.reason }, 'back-channel logout refused: the backchannelLogoutUri reaches an address deliveries may not go to');
    } else if (outcome.delivered) {
      await queue.finish(job.jti);
      this.#report('delivered');
      log.info(entry, 'back-channel logout delivered');
    } else if (attempt >= attempts) {
      await queue.finish(job.jti);
      this.#report('failed');
      log.warn({ ...entry, reason: outcome.reason }, 'back-channel logout failed: no attempts left');
    } else {
      await queue.retryLater(job.jti, this.retryDelay(attempt));
      this.#report('retried');
      log.warn({ ...entry, reason: outcome.reason, retry_in_ms: this.retryDelay(attempt) }, 'back-channel logout not delivered; will retry');
    }
  }

  #report(outcome: DeliveryOutcome): void {
    this.#options.count?.(outcome);
  }
}
