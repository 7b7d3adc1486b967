// A fetch that sends requests over node:http to one server whatever the URL's host, with the headers exactly as given:
// fetch itself refuses to send a `host` header, and a test of what a forged Host or a proxy's X-Forwarded-Host does
// needs to write one, as an attacker's client or a reverse proxy does.
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
