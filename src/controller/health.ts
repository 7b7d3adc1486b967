// The controller's own HTTP endpoints, served on every replica (leader or not): /healthz, /readyz, /metrics.
import { createServer, type Server } from 'node:http';

import type { Registry } from 'prom-client';

import { listenError } from '../config/listen-error.ts';

export interface HealthOptions {
  port: number;
  host: string;
  /** Ready once the caches are filled (and, on the leader, reconciling). */
  ready(): boolean;
  registry: Registry;
}

export async function startHealthServer(options: HealthOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = options.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok\n' : 'caches not synced\n');
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, options.host, options.port, 'controllerPort')));
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
