// A relying party's back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8) as a real HTTP server on
// 127.0.0.1: records every POST and answers as the test says, so tests can fail, hold or drop deliveries.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';

export interface ReceivedLogout {
  path: string;
  contentType: string | undefined;
  /** The form's logout_token. */
  token: string | undefined;
  /** The status the receiver answered with; undefined while it holds the request. */
  status?: number;
}

/** What to answer one request with: a status, after whatever the returned promise waits for. */
export type Answer = (received: ReceivedLogout, index: number) => number | Promise<number>;

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

export class LogoutReceiver {
  readonly received: ReceivedLogout[] = [];
  readonly #answers = new Map<string, Answer>();
  readonly #waiters = new Set<() => void>();
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer(async (request, response) => {
      const params = new URLSearchParams(await readBody(request));
      const received: ReceivedLogout = { path: request.url ?? '', contentType: request.headers['content-type'], token: params.get('logout_token') ?? undefined };
      const index = this.received.filter((other) => other.path === received.path).length;
      this.received.push(received);
      this.#notify();
      const status = await (this.#answers.get(received.path) ?? (() => 200))(received, index);
      received.status = status;
      this.#notify();
      response.writeHead(status, { 'cache-control': 'no-store' }).end();
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.port = (this.#server.address() as { port: number }).port;
  }

  uri(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Answers requests to `path` with `answer` (default: 200). */
  answer(path: string, answer: Answer): void {
    this.#answers.set(path, answer);
  }

  /** Requests to `path` so far. */
  at(path: string): ReceivedLogout[] {
    return this.received.filter((received) => received.path === path);
  }

  /** Resolves once `path` has a request the receiver answered 200. */
  async delivered(path: string): Promise<ReceivedLogout> {
    for (;;) {
      const done = this.at(path).find((received) => received.status === 200);
      if (done) return done;
      await new Promise<void>((resolve) => this.#waiters.add(resolve));
    }
  }

  /** Resolves once `path` has had `count` requests (answered or not). */
  async requests(path: string, count: number): Promise<ReceivedLogout[]> {
    while (this.at(path).length < count) await new Promise<void>((resolve) => this.#waiters.add(resolve));
    return this.at(path);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }
}
