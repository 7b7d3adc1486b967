// Back-Channel Logout 1.0 §2.7-2.8 delivered from a queue: logout enqueues one job per client and answers the user at
// once; every replica polls the shared queue and delivers what is due, whoever enqueued it. A failed delivery is
// retried with exponential backoff up to a bounded number of attempts; a replica that dies mid-delivery leaves its
// job to another one once the job's lease runs out. At-least-once: the token's jti lets a client drop a repeat.
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
/** Jobs one replica takes at a time. */
const BATCH = 16;

export class LogoutDeliveries {
  readonly #options: DeliveryOptions & Required<Pick<DeliveryOptions, 'pollIntervalMs'>>;
  readonly #leaseMs: number;
  readonly #retentionSeconds: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
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

  /** Takes one batch of due jobs and makes one attempt at each; resolves with how many it took. */
  async deliverDue(): Promise<number> {
    const claimed = await this.#options.queue.claim(BATCH, this.#leaseMs);
    await Promise.all(claimed.map((entry) => this.#attempt(entry)));
    return claimed.length;
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
      while (!this.#stopped && (await this.deliverDue()) === BATCH);
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
