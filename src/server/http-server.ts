// The HTTP server's own behaviour, below Koa: connection timeouts safe behind proxies, and malformed requests that
// never reach Koa answered and logged as one JSON line each (Node would answer them silently, and the errors would
// otherwise surface as text on stderr).
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

import type { Logger } from '../log.ts';

export interface ConnectionTimeouts {
  /** Seconds an idle keep-alive connection stays open; announced as `Keep-Alive: timeout=N`. */
  keepAliveTimeout: number;
  /** Seconds a client may take to send the headers of a request. */
  headersTimeout: number;
  /** Seconds a client may take to send a whole request. */
  requestTimeout: number;
}

/** Node's answers to what it could not parse (its own default handler's, which a listener replaces). */
const STATUS_FOR: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * Sets the timeouts and answers malformed requests (invalid method, bad chunk size, oversized headers) with
 * 400 / 408 / 431 and `Connection: close`, logging the parser's error code and reason — never the raw bytes, which
 * may carry credentials.
 */
export function configureHttpServer(server: Server, timeouts: ConnectionTimeouts, log: Logger): void {
  server.keepAliveTimeout = timeouts.keepAliveTimeout * 1000;
  server.headersTimeout = timeouts.headersTimeout * 1000;
  server.requestTimeout = timeouts.requestTimeout * 1000;
  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    // A client that went away is not an event worth a line.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    log.info({ code: error.code, reason: error.reason ?? error.message }, 'malformed HTTP request refused');
    const status = STATUS_FOR[error.code ?? ''] ?? '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
}
