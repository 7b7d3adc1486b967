// RFC 8628 §5.1 under a burst: wrong user codes sent at once from one address, each from its own session (so each
// carries a valid xsrf), against a real Redis. Checking the budget, looking the code up and only then counting it let
// every request of such a burst through; the budget (PURSER_DEVICE_USER_CODE_ATTEMPTS, 10) must hold.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';

const BUDGET = 10;
const BASE_20 = 'BCDFGHJKLMNPQRSTVWXZ';

let server: TestServer;
beforeAll(async () => {
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('device-guess-burst'), fixtures: await writeFixtures() });
});
afterAll(async () => server?.close());

/** A browser of its own: the code page's session cookie and xsrf token. */
async function codePage(): Promise<{ cookie: string; xsrf: string }> {
  const response = await fetch(`${server.url}/device`);
  const cookie = response.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  return { cookie, xsrf: /name="xsrf" value="([^"]+)"/.exec(await response.text())![1]! };
}

it(`RFC 8628 §5.1: of 150 wrong codes sent at once from one address, at most ${BUDGET} are looked up; the rest are 429`, async () => {
  const pages = await Promise.all(Array.from({ length: 150 }, codePage));
  const statuses = await Promise.all(
    pages.map(async ({ cookie, xsrf }, i) => {
      const userCode = `BCDF-${BASE_20[i % 20]}${BASE_20[Math.floor(i / 20) % 20]}GH`;
      const response = await fetch(`${server.url}/device`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf, user_code: userCode }) });
      await response.body?.cancel();
      return response.status;
    }),
  );
  expect(statuses.filter((status) => status !== 429).length).toBeLessThanOrEqual(BUDGET);
  expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(150 - BUDGET);
}, 60_000);
