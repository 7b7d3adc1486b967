// The HTTP layer of a real server process: keep-alive connections outlive a proxy's idle timeout (so the proxy, not
// Purser, closes them), and malformed HTTP is answered with a 4xx and logged as JSON lines, never as text on stderr.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { spawnPurser, writeFixtures } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';

const KEEP_ALIVE_SECONDS = 2;
let server: Awaited<ReturnType<typeof spawnPurser>>;

beforeAll(async () => {
  server = await spawnPurser({
    redisUrl: inject('redisUrl'),
    prefix: uniquePrefix('http-connections'),
    fixtures: await writeFixtures(),
    flags: [`--keep-alive-timeout=${KEEP_ALIVE_SECONDS}s`, '--headers-timeout=3s'],
  });
});

afterAll(async () => server?.close());

/** A raw connection: what is written goes as is; `next()` resolves with the next complete response head + body. */
class Connection {
  readonly socket: Socket;
  #received = '';
  #waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect({ host: hostname, port: Number(port) });
    this.socket.on('data', (chunk: Buffer) => {
      this.#received += chunk.toString('latin1');
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => {
      resolve();
      for (const waiter of this.#waiters.splice(0)) waiter();
    }));
  }

  /** The next response (status line, headers, a Content-Length body), or what arrived before the server closed. */
  async next(): Promise<{ status: number; headers: Record<string, string> }> {
    for (;;) {
      const end = this.#received.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine = '', ...lines] = this.#received.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        if (this.#received.length >= end + 4 + length) {
          this.#received = this.#received.slice(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers };
        }
      }
      if (this.socket.destroyed) throw new Error(`connection closed; received: ${JSON.stringify(this.#received)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

const HEALTH = 'GET /healthz HTTP/1.1\r\nHost: purser.test\r\n\r\n';

describe('keep-alive behind a proxy', () => {
  it('announces its idle timeout and serves a request on a connection reused just before it', async () => {
    const connection = new Connection(server.url);
    connection.socket.write(HEALTH);
    const first = await connection.next();
    expect([first.status, first.headers.connection, first.headers['keep-alive']]).toEqual([200, 'keep-alive', `timeout=${KEEP_ALIVE_SECONDS}`]);
    // A proxy whose idle timeout is just under the announced one reuses the connection at that point.
    await sleep(KEEP_ALIVE_SECONDS * 1000 - 200);
    connection.socket.write(HEALTH);
    expect((await connection.next()).status).toBe(200);
    // Left idle, the connection is then closed by the server.
    await connection.closed;
  });
});

/** Requests no HTTP client sends: each must get a 4xx, or a close, and leave only JSON lines in the output. */
const MALFORMED: Array<[name: string, bytes: string]> = [
  ['an invalid method', 'G\u0001T / HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a lowercase method', 'get /healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a bad chunk size on /token', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n'],
  ['a bad chunk size on an interaction form', 'POST /interaction/abc/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nusername=a\r\n0\r\n\r\n'],
  ['a chunked body that stops', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n100\r\ngrant_type'],
  ['both Content-Length and Transfer-Encoding', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'],
  ['a space before the colon', 'GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n'],
  ['an unknown HTTP version', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['headers over the limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`],
  ['binary noise', '\u0000\u00ff\u0013\u0037garbage\r\n\r\n'],
  ['a Content-Length that is not a number', 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
];

describe('malformed HTTP', () => {
  it.each(MALFORMED)('%s is answered with a 4xx or a close, never a 5xx', async (_name, bytes) => {
    const connection = new Connection(server.url);
    connection.socket.write(bytes);
    // A request that never completes (a chunked body that stops) is cut short by the client here.
    const answer = await Promise.race([connection.next().catch(() => undefined), sleep(1000).then(() => undefined)]);
    connection.socket.destroy();
    if (answer) expect(answer.status, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
    if (answer) expect(answer.status, JSON.stringify(answer)).toBeLessThan(500);
  });

  it('leaves only JSON lines, one per event, on stdout and stderr', async () => {
    await sleep(200);
    const lines = server.output().split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(MALFORMED.length / 2);
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(lines.some((line) => line.includes('malformed HTTP request refused'))).toBe(true);
  });
});
