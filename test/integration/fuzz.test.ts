// A bounded, seeded fuzz of every endpoint of a real server process: random methods, paths, queries, headers
// (content types and codings, credentials, cookies) and bodies (forms of OAuth parameters with odd values, JSON,
// raw bytes, compressed forms). Whatever comes in, no answer is a 5xx, the process stays up, and everything it
// logs is one JSON line per event. Set PURSER_FUZZ_SEED to replay a run; the seed is in the test's name.
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { basic, form, send, type RawRequest } from '../support/bad-input-http.ts';
import { spawnPurser, writeFixtures } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { REDIRECT_URI, SECRETS } from '../support/rp.ts';

const SEED = Number(process.env.PURSER_FUZZ_SEED ?? 20261130);
const REQUESTS = 1200;
const CONCURRENCY = 8;

let server: Awaited<ReturnType<typeof spawnPurser>>;
let interaction: { path: string; cookie: string; csrf: string };

beforeAll(async () => {
  server = await spawnPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('fuzz'), fixtures: await writeFixtures() });
  // An interaction in progress, so that some requests get past the CSRF check.
  const started = await send(server.url, { path: `/auth?${form({ client_id: 'webapp.test', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}` });
  const cookie = started.headers.getSetCookie().map((header) => header.split(';')[0]).join('; ');
  const path = started.headers.get('location')!;
  const page = await send(server.url, { path, headers: { cookie } });
  interaction = { path, cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page.text)![1]! };
});

afterAll(async () => server?.close());

/** mulberry32: a small, fast PRNG whose sequence a seed fixes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number) => next() < p;
  const noise = (length: number) => Array.from({ length }, () => String.fromCharCode(Math.floor(next() * 256))).join('');
  /** Printable ASCII without `;`: what a header value may hold (fetch refuses the rest before sending). */
  const printable = (length: number) => Array.from({ length }, () => String.fromCharCode(0x21 + Math.floor(next() * 94))).join('').replace(/;/g, ',');

  const VALUES = () => [
    '', 'x', 'openid', 'openid offline_access', 'reports:read', 'client_credentials', 'authorization_code', 'refresh_token',
    'webapp.test', 'reports.test', 'nobody.test', REDIRECT_URI, 'https://reports.test', 'code', 'none', 'login consent',
    SECRETS['reports.test']!, interaction.csrf, '\0', '%zz', '%E0%A4%A', 'ü'.repeat(3), 'a'.repeat(pick([100, 5000, 70_000])),
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', '[]', '{}', ' ', '\r\n', noise(pick([4, 40])),
  ];
  const PARAMS = ['grant_type', 'client_id', 'client_secret', 'code', 'code_verifier', 'refresh_token', 'redirect_uri', 'scope', 'resource',
    'token', 'token_type_hint', 'username', 'password', 'csrf', 'state', 'nonce', 'prompt', 'response_type', 'response_mode', 'logout',
    'xsrf', 'access_token', 'id_token_hint', 'post_logout_redirect_uri', 'client_assertion', 'client_assertion_type', 'max_age', 'username[]'];
  const params = (): Array<[string, string]> => Array.from({ length: Math.floor(next() * 6) }, () => [pick(PARAMS), pick(VALUES())]);

  const PATHS = () => [
    '/token', '/token/introspection', '/token/revocation', '/me', '/auth', '/session/end', '/session/end/confirm', '/session/end/success',
    '/jwks', '/.well-known/openid-configuration', '/healthz', '/readyz', '/metrics', interaction.path, `${interaction.path}/login`,
    `${interaction.path}/confirm`, `${interaction.path}/abort`, '/interaction/unknown', '/interaction/unknown/login', '/nope', '/%E0%A4%A',
  ];
  const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=bogus', 'application/json', 'text/plain',
    'multipart/form-data; boundary=xyz', 'multipart/form-data', '', 'application/x-www-form-urlencoded; charset=utf-16'];
  const ENCODINGS = ['', '', '', '', 'gzip', 'deflate', 'br', 'identity', 'x-bogus'];
  const AUTHORIZATIONS = ['', '', basic('reports.test', SECRETS['reports.test']!), basic('webapp.test', 'wrong'), 'Basic !!!', 'Bearer garbage', 'Basic', `Bearer ${'t'.repeat(2000)}`];

  return (): RawRequest => {
    const method = pick(['GET', 'GET', 'POST', 'POST', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH']);
    const query = chance(0.4) ? `?${form(params())}` : chance(0.05) ? `?${printable(10).replace(/#/g, '')}` : '';
    const headers: Record<string, string> = {};
    const set = (name: string, value: string) => value && (headers[name] = value);
    set('content-type', pick(CONTENT_TYPES));
    set('content-encoding', pick(ENCODINGS));
    set('authorization', pick(AUTHORIZATIONS));
    if (chance(0.5)) set('cookie', pick([interaction.cookie, 'a=b', `_interaction=${printable(8)}`]));
    if (chance(0.2)) set('origin', pick(['https://evil.test', 'null', REDIRECT_URI]));
    set('accept', pick(['', 'application/json', 'text/html', '*/*']));
    let body: RawRequest['body'];
    if (method !== 'GET' && method !== 'HEAD') {
      const text = chance(0.8) ? form(params()) : JSON.stringify(Object.fromEntries(params()));
      body = pick([text, text, new Uint8Array(gzipSync(text)), new Uint8Array(Buffer.from(noise(Math.floor(next() * 300)), 'latin1'))]);
    }
    return { method, path: `${pick(PATHS())}${query}`, headers, body };
  };
}

describe(`fuzzing every endpoint (seed ${SEED}, ${REQUESTS} requests)`, () => {
  it('never answers with a 5xx, never stops the process, and logs only JSON lines', async () => {
    const nextRequest = generator(random(SEED));
    const requests = Array.from({ length: REQUESTS }, nextRequest);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let index = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (index < requests.length) {
        const request = requests[index++]!;
        const answer = await send(server.url, request).catch((error: unknown) => ({ status: 0, text: String(error) }));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500 || answer.status === 0) failures.push(`${request.method} ${request.path.slice(0, 80)} ${JSON.stringify(request.headers)}: ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }));
    expect(failures).toEqual([]);
    expect(statuses.size).toBeGreaterThan(5);
    expect(server.child.exitCode).toBeNull();
    expect((await send(server.url, { path: '/healthz' })).status).toBe(200);
    const notJson = server.output().split('\n').filter((line) => line.trim() !== '').filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  }, 180_000);
});
