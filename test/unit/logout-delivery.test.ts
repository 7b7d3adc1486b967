// The back-channel logout delivery worker over the in-memory queue, with an injected clock and recorded POSTs: which
// attempt happens when, what is counted, what is logged (Back-Channel Logout 1.0 §2.7-2.8).
import pino from 'pino';
import { describe, expect, it } from 'vitest';

import { LogoutDeliveries, MAX_IN_FLIGHT_PER_CLIENT, MAX_RETRY_DELAY_MS, type DeliveryOutcome } from '../../src/server/logout/delivery.ts';
import type { PostOutcome } from '../../src/server/logout/post-logout-token.ts';
import { MemoryLogoutQueue } from '../../src/store/memory/logout-queue.ts';
import type { LogoutJob } from '../../src/store/types.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.logout-token.signature';
const JOB: LogoutJob = { jti: 'jti-1', clientId: 'web.team', sub: 'alice', sid: 'sid-1' };

/** A worker whose receiver answers with `answers` in turn (the last one from then on). */
function subject(answers: PostOutcome[], options: { attempts?: number; prepare?: () => Promise<{ uri: string; token: string } | undefined> } = {}) {
  let now = 1_000_000;
  const queue = new MemoryLogoutQueue(() => now);
  const posts: { uri: string; token: string }[] = [];
  const outcomes: DeliveryOutcome[] = [];
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const deliveries = new LogoutDeliveries({
    queue,
    log,
    timeoutMs: 5_000,
    attempts: options.attempts ?? 4,
    retryDelayMs: 2_000,
    prepare: options.prepare ?? (async () => ({ uri: 'https://rp.test/bc', token: TOKEN })),
    post: async (uri, token) => {
      posts.push({ uri, token });
      return answers[Math.min(posts.length - 1, answers.length - 1)]!;
    },
    count: (outcome) => outcomes.push(outcome),
  });
  return { queue, deliveries, posts, outcomes, lines, elapse: (ms: number) => void (now += ms) };
}

const failing: PostOutcome = { delivered: false, reason: 'answered 503, expected 200' };
const delivered: PostOutcome = { delivered: true };

describe('LogoutDeliveries (Back-Channel Logout 1.0 §2.7)', () => {
  it('delivers a queued job once and forgets it', async () => {
    const { queue, deliveries, posts, outcomes } = subject([delivered]);
    await deliveries.enqueue(JOB);
    expect(await deliveries.deliverDue()).toBe(1);
    expect(posts).toEqual([{ uri: 'https://rp.test/bc', token: TOKEN }]);
    expect(outcomes).toEqual(['delivered']);
    expect(queue.size).toBe(0);
  });

  it('retries a failed delivery after 2 s, then 4 s, then delivers (exponential backoff)', async () => {
    const { deliveries, posts, outcomes, elapse } = subject([failing, failing, delivered]);
    await deliveries.enqueue(JOB);
    await deliveries.deliverDue();
    elapse(1_999);
    expect(await deliveries.deliverDue()).toBe(0);
    elapse(1);
    expect(await deliveries.deliverDue()).toBe(1);
    elapse(3_999);
    expect(await deliveries.deliverDue()).toBe(0);
    elapse(1);
    await deliveries.deliverDue();
    expect(posts).toHaveLength(3);
    expect(outcomes).toEqual(['retried', 'retried', 'delivered']);
  });

  it('gives up after the configured number of attempts and counts a failure', async () => {
    const { queue, deliveries, posts, outcomes, elapse } = subject([failing], { attempts: 3 });
    await deliveries.enqueue(JOB);
    // Waits of 2 s and 4 s: each step is longer than the wait before it, shorter than the job's retention.
    for (let i = 0; i < 5; i++) {
      await deliveries.deliverDue();
      elapse(10_000);
    }
    expect(posts).toHaveLength(3);
    expect(outcomes).toEqual(['retried', 'retried', 'failed']);
    expect(queue.size).toBe(0);
  });

  it('caps the wait between attempts at 5 minutes', () => {
    const { deliveries } = subject([delivered]);
    expect([1, 2, 3, 8, 20].map((attempt) => deliveries.retryDelay(attempt))).toEqual([2_000, 4_000, 8_000, 256_000, MAX_RETRY_DELAY_MS]);
  });

  it('drops a job whose client no longer takes logout tokens, without a POST', async () => {
    const { queue, deliveries, posts, outcomes } = subject([delivered], { prepare: async () => undefined });
    await deliveries.enqueue(JOB);
    await deliveries.deliverDue();
    expect(posts).toEqual([]);
    expect(outcomes).toEqual(['dropped']);
    expect(queue.size).toBe(0);
  });

  it('retries when the token cannot be signed (the client lookup failed)', async () => {
    const { queue, deliveries, outcomes } = subject([delivered], { prepare: () => Promise.reject(new Error('store unavailable')) });
    await deliveries.enqueue(JOB);
    await deliveries.deliverDue();
    expect(outcomes).toEqual(['retried']);
    expect(queue.size).toBe(1);
  });

  it('logs client_id, jti, attempt and the reason, never the logout token', async () => {
    const { deliveries, lines, elapse } = subject([failing, delivered]);
    await deliveries.enqueue(JOB);
    await deliveries.deliverDue();
    elapse(2_000);
    await deliveries.deliverDue();
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toMatchObject([
      { client_id: 'web.team', jti: 'jti-1', attempt: 1, reason: 'answered 503, expected 200', retry_in_ms: 2_000 },
      { client_id: 'web.team', jti: 'jti-1', attempt: 2, msg: 'back-channel logout delivered' },
    ]);
    expect(lines.join('\n')).not.toContain('logout-token');
  });

  it('does not retry a delivery refused for its address (SSRF guard), and counts and logs it', async () => {
    const { queue, deliveries, posts, outcomes, lines, elapse } = subject([{ delivered: false, refused: true, reason: '127.0.0.1 is a loopback or unspecified address' }]);
    await deliveries.enqueue(JOB);
    await deliveries.deliverDue();
    elapse(MAX_RETRY_DELAY_MS);
    expect(await deliveries.deliverDue()).toBe(0);
    expect(posts).toHaveLength(1);
    expect(outcomes).toEqual(['refused']);
    expect(queue.size).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ client_id: 'web.team', reason: '127.0.0.1 is a loopback or unspecified address' });
  });
});

describe('LogoutDeliveries: one client\'s hanging endpoint', () => {
  it('does not delay another client\'s logout behind 64 hanging deliveries, and holds at most its share of the pool', async () => {
    let now = 1_000_000;
    const queue = new MemoryLogoutQueue(() => now);
    let unblock!: () => void;
    const blocked = new Promise<PostOutcome>((resolve) => (unblock = () => resolve({ delivered: true })));
    let honestPosted!: () => void;
    const honest = new Promise<void>((resolve) => (honestPosted = resolve));
    const hanging: string[] = [];
    const deliveries = new LogoutDeliveries({
      queue,
      log: pino({ level: 'silent' }),
      timeoutMs: 5_000,
      attempts: 8,
      retryDelayMs: 5_000,
      prepare: async (job) => ({ uri: `https://${job.clientId}/bc`, token: TOKEN }),
      post: async (uri) => {
        if (uri === 'https://honest.team/bc') {
          honestPosted();
          return { delivered: true };
        }
        hanging.push(uri);
        return blocked;
      },
    });
    // The 64 hanging jobs are due first; the honest one is enqueued last, at the same instant (the clock stands still).
    for (let i = 0; i < 64; i++) await deliveries.enqueue({ ...JOB, jti: `hang-${i}`, clientId: 'hanging.team' });
    await deliveries.enqueue({ ...JOB, jti: 'honest', clientId: 'honest.team' });
    deliveries.start();
    await honest;
    expect(hanging).toHaveLength(MAX_IN_FLIGHT_PER_CLIENT);
    unblock();
    await deliveries.stop();
    // The hanging client's jobs given back were not counted as attempts: due again at the next poll, as first attempts.
    now += 1_000;
    expect((await queue.claim(100, 1_000)).filter((entry) => entry.attempt === 1)).toHaveLength(64 - MAX_IN_FLIGHT_PER_CLIENT);
  });
});
