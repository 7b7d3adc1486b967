// A stall of a real Redis at one chosen command: a loopback TCP relay between a server under test and its Redis that,
// once armed, holds the first write carrying a marker (a Lua script's SHA-1), stalls Redis with CLIENT PAUSE through
// an admin connection, then lets the write through. Redis itself is untouched: the relay only picks the moment, as a
// failover or an fsync would (nothing else can pause Redis between two commands of one HTTP request).
import { createConnection, createServer, type Server, type Socket } from 'node:net';

import type { Redis } from 'ioredis';

export interface StallTrigger {
  /** `redis://127.0.0.1:<port>`: the relay, for the server under test. */
  url: string;
  /** Stalls Redis for `pauseMs` right before the next write that contains `marker` reaches it (once). */
  arm(marker: string, pauseMs: number): void;
  /** Whether the armed stall has been set off. */
  fired(): boolean;
  close(): Promise<void>;
}

/** A relay to the Redis at `port` on 127.0.0.1, which `admin` (connected to that Redis directly) stalls when armed. */
export async function startStallTrigger(port: number, admin: Redis): Promise<StallTrigger> {
  let armed: { marker: string; pauseMs: number } | undefined;
  let fired = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy()).on('close', () => sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy()).pipe(client);
    // Writes go through one at a time, in order, so the held one cannot be overtaken; a pause that fails (fired()
    // stays false) drops the connection rather than let it through unstalled.
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        if (armed && chunk.includes(armed.marker)) {
          const { pauseMs } = armed;
          armed = undefined;
          await admin.call('CLIENT', 'PAUSE', String(pauseMs), 'ALL');
          fired = true;
        }
        upstream.write(chunk);
      }).catch(() => {
        client.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${address.port}`,
    arm: (marker, pauseMs) => {
      armed = { marker, pauseMs };
      fired = false;
    },
    fired: () => fired,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
