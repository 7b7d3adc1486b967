// The device flow's own decisions, with an injected clock: the polling pace (RFC 8628 §3.5), the user-code guessing
// limit (§5.1), the user code alphabet (§6.1), the pages' markup, and verification_uri_complete's prefill (§3.3.1).
import type { Context } from 'koa';
import { afterEach, describe, expect, it } from 'vitest';

import { SERVER_BUDGET_FACTOR, USER_CODE_WINDOW_SECONDS, UserCodeGuessLimit } from '../../src/server/device/guess-limit.ts';
import { PollPace } from '../../src/server/device/poll-pace.ts';
import { prefillUserCode, prefilledUserCode } from '../../src/server/device/prefill.ts';
import { USER_CODE_SHAPES } from '../../src/server/device/user-codes.ts';
import { confirmPage, deviceDonePage, userCodePage } from '../../src/server/views/device.ts';
import { MemoryRateCounters } from '../../src/store/memory/counters.ts';

let clock = 0;
let counters: MemoryRateCounters;
const fresh = () => {
  clock = 1_700_000_000_000;
  counters = new MemoryRateCounters(() => clock);
  return counters;
};
const advance = (seconds: number) => (clock += seconds * 1000);
afterEach(() => counters?.close());

describe('PollPace (RFC 8628 §3.5)', () => {
  it('RFC 8628 §3.5: polls at the interval are in time; one sooner is slow_down, and the interval grows by 5 s for all later polls', async () => {
    const pace = new PollPace(fresh(), { interval: 5, lifetime: 600 });
    expect(await pace.tooSoon('dc')).toBeUndefined();
    advance(5);
    expect(await pace.tooSoon('dc')).toBeUndefined();
    advance(4);
    expect(await pace.tooSoon('dc')).toBe(10);
    // The new interval counts from the poll that was told to slow down: 9 s later is still too soon ...
    advance(9);
    expect(await pace.tooSoon('dc')).toBe(15);
    // ... and 15 s after that is in time, as is every 15 s from then on, but no longer every 10 s.
    advance(15);
    expect(await pace.tooSoon('dc')).toBeUndefined();
    advance(10);
    expect(await pace.tooSoon('dc')).toBe(20);
  });

  it('RFC 8628 §3.5: paces each device code on its own', async () => {
    const pace = new PollPace(fresh(), { interval: 5, lifetime: 600 });
    expect(await pace.tooSoon('a')).toBeUndefined();
    expect(await pace.tooSoon('b')).toBeUndefined();
    expect(await pace.tooSoon('a')).toBe(10);
  });

  it('keeps no device code in plain form in the counters', async () => {
    const pace = new PollPace(fresh(), { interval: 5, lifetime: 600 });
    await pace.tooSoon('the-device-code');
    await pace.tooSoon('the-device-code');
    expect(counters.dump().join(' ')).not.toContain('the-device-code');
  });
});

describe('UserCodeGuessLimit (RFC 8628 §5.1)', () => {
  it('RFC 8628 §5.1: refuses an address after its budget of wrong codes, until the window ends; other addresses go on', async () => {
    const limit = new UserCodeGuessLimit(fresh(), 3);
    for (let i = 0; i < 3; i++) expect(await limit.attempt('203.0.113.1')).toBe(false);
    expect(await limit.attempt('203.0.113.1')).toBe(true);
    expect(await limit.attempt('203.0.113.2')).toBe(false);
    advance(USER_CODE_WINDOW_SECONDS);
    expect(await limit.attempt('203.0.113.1')).toBe(false);
  });

  it('RFC 8628 §5.1: a code that was found gives its attempt back; only wrong ones spend the budget', async () => {
    const limit = new UserCodeGuessLimit(fresh(), 2);
    for (let i = 0; i < 5; i++) {
      expect(await limit.attempt('203.0.113.1')).toBe(false);
      await limit.giveBack('203.0.113.1');
    }
    expect(await limit.attempt('203.0.113.1')).toBe(false);
    expect(await limit.attempt('203.0.113.1')).toBe(false);
    expect(await limit.attempt('203.0.113.1')).toBe(true);
  });

  it('RFC 8628 §5.1: a concurrent burst from one address gets no more than its budget checked', async () => {
    const limit = new UserCodeGuessLimit(fresh(), 3);
    const refused = await Promise.all(Array.from({ length: 50 }, () => limit.attempt('203.0.113.1')));
    expect(refused.filter((answer) => !answer)).toHaveLength(3);
  });

  it('RFC 8628 §5.1: counts an IPv6 /64 as one address (a host picks any address in it)', async () => {
    const limit = new UserCodeGuessLimit(fresh(), 2);
    await limit.attempt('2001:db8:1:2::1');
    await limit.attempt('2001:db8:1:2::ffff');
    expect(await limit.attempt('2001:db8:1:2:aaaa::1')).toBe(true);
  });

  it(`RFC 8628 §5.1: refuses everyone once the whole server has seen ${SERVER_BUDGET_FACTOR} times one address's budget`, async () => {
    const limit = new UserCodeGuessLimit(fresh(), 2);
    for (let i = 0; i < 2 * SERVER_BUDGET_FACTOR; i++) await limit.attempt(`198.51.${Math.floor(i / 250)}.${i % 250}`);
    expect(await limit.attempt('192.0.2.77')).toBe(true);
  });

  it('RFC 8628 §5.1: attempts refused over an address\'s budget do not spend the server\'s budget for everyone else', async () => {
    const limit = new UserCodeGuessLimit(fresh(), 2);
    for (let i = 0; i < 2 * SERVER_BUDGET_FACTOR + 10; i++) await limit.attempt('203.0.113.9');
    expect(await limit.attempt('192.0.2.77')).toBe(false);
  });
});

describe('user codes (RFC 8628 §6.1)', () => {
  it('base-20 has no vowels and none of the look-alikes 0 O 1 I, and is grouped by a dash', () => {
    expect(USER_CODE_SHAPES['base-20'].mask).toBe('****-****');
    expect(USER_CODE_SHAPES['base-20'].example).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(USER_CODE_SHAPES.digits).toMatchObject({ mask: '***-***-***', numeric: true });
  });
});

describe('the device pages', () => {
  const format = USER_CODE_SHAPES['base-20'];

  it('label the code field, give it the one-time-code and keyboard hints, and tie an error to it', () => {
    const page = userCodePage({ action: '/device', xsrf: 'x', format, error: 'wrong' });
    expect(page).toContain('<label for="user_code">Code</label>');
    expect(page).toMatch(/id="user_code"[^>]*autocomplete="one-time-code"[^>]*inputmode="text"/);
    expect(page).toContain('aria-describedby="user-code-error user-code-hint" aria-invalid="true"');
    expect(page).toContain('<p id="user-code-error" class="alert" role="alert">wrong</p>');
    expect(userCodePage({ action: '/device', xsrf: 'x', format: USER_CODE_SHAPES.digits })).toMatch(/inputmode="numeric"[^>]*aria-describedby="user-code-hint">/);
  });

  it('mention upper and lower case only for letter codes', () => {
    expect(userCodePage({ action: '/device', xsrf: 'x', format })).toContain('8 letters, such as BCDF-GHJK. Upper or lower case, with or without the dash.</p>');
    const digits = userCodePage({ action: '/device', xsrf: 'x', format: USER_CODE_SHAPES.digits });
    expect(digits).toContain('9 digits, such as 123-456-789. With or without the dashes.</p>');
    expect(digits).not.toMatch(/lower case/i);
  });

  it('escape what a person typed and the client name, and carry the xsrf value in every form', () => {
    const typed = userCodePage({ action: '/device', xsrf: 'token', format, userCode: '"><script>' });
    expect(typed).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(typed).toContain('name="xsrf" value="token"');
    const confirm = confirmPage({ action: '/device', xsrf: 'token', userCode: 'BCDF-GHJK', clientName: '<b>CLI</b>' });
    expect(confirm).toContain('&lt;b&gt;CLI&lt;/b&gt;');
    expect(confirm).toContain('name="xsrf" value="token"');
    expect(confirm).toContain('name="abort" value="yes"');
    expect(deviceDonePage({ clientName: '<i>' })).toContain('&lt;i&gt;');
  });
});

describe('prefillUserCode (RFC 8628 §3.3.1)', () => {
  const run = async (method: string, url: string) => {
    const [path, query = ''] = url.split('?');
    const ctx = { method, path, querystring: query, query: Object.fromEntries(new URLSearchParams(query)), state: {} } as unknown as Context;
    let seenQuery: string | undefined;
    await prefillUserCode('/device')(ctx, async () => {
      seenQuery = ctx.querystring;
    });
    return { seenQuery, prefilled: prefilledUserCode(ctx as never) };
  };

  it('moves the user_code of a GET /device out of the query (so no page submits itself) into the form', async () => {
    expect(await run('GET', '/device?user_code=BCDF-GHJK&x=1')).toEqual({ seenQuery: 'x=1', prefilled: 'BCDF-GHJK' });
  });

  it('leaves other requests alone, and drops an over-long code', async () => {
    expect(await run('POST', '/device?user_code=BCDF-GHJK')).toEqual({ seenQuery: 'user_code=BCDF-GHJK', prefilled: undefined });
    expect(await run('GET', '/auth?user_code=BCDF-GHJK')).toEqual({ seenQuery: 'user_code=BCDF-GHJK', prefilled: undefined });
    expect(await run('GET', `/device?user_code=${'B'.repeat(65)}`)).toEqual({ seenQuery: '', prefilled: undefined });
  });
});
