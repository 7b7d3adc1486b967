// A fetch that sends requests over node:http to one server whatever the URL's host, with the headers exactly as given:
// fetch itself refuses to send a `host` header, and a test of what a forged Host or a proxy's X-Forwarded-Host does
// needs to write one, as an attacker's client or a reverse proxy does. And a POST whose answer keeps its headers as
// sent (names' case and order), for tests that compare two servers' answers byte for byte.
import { request } from 'node:http';

/** A `fetch` whose requests all go to `server` (`http://host:port`), keeping the URL's path and the given headers. */
export function fetchVia(server: string): typeof fetch {
  const target = new URL(server);
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const outgoing = request({ host: target.hostname, port: target.port, method: init.method ?? 'GET', path: `${url.pathname}${url.search}`, headers }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk)).on('error', reject).on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const item of Array.isArray(value) ? value : [value ?? '']) responseHeaders.append(name, item);
          }
          resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode, headers: responseHeaders }));
        });
      });
      outgoing.on('error', reject).end(typeof init.body === 'string' ? init.body : undefined);
    });
}

/** An answer as sent. */
export interface Answer {
  status: number;
  /** Header names (as sent: the bytes must match, case included) and values, in the order sent. */
  headers: [string, string][];
  body: string;
}

export interface RawRequest {
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Headers that differ between any two responses. */
export const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'etag', 'keep-alive', 'connection']);

/** One POST to `server` (`http://host:port`, path /token unless told), written as given (no header added but Host), over a fresh connection. */
export function postRaw(server: string, { path = '/token', headers = {}, body = '' }: RawRequest): Promise<Answer> {
  const target = new URL(server);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: target.hostname, port: target.port, method: 'POST', path, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk)).on('error', reject).on('end', () => {
        const answer: [string, string][] = [];
        for (let i = 0; i < incoming.rawHeaders.length; i += 2) answer.push([incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!]);
        resolve({ status: incoming.statusCode!, headers: answer, body: Buffer.concat(chunks).toString() });
      });
    });
    outgoing.on('error', reject).end(body);
  });
}
