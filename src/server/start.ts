// Starts the server: opens the store, loads users and keys, builds the provider and the app, and listens.
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

import Koa from 'koa';

import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { CachedClientCatalog } from '../store/cached-catalog.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { hashPassword, loadUsersFile, UserDirectory } from './accounts/users.ts';
import { createApp, type KeyMaterial } from './app.ts';
import { devBanner } from './dev/banner.ts';
import { FileClientSource } from './dev/file-clients.ts';
import { readKeyFiles, watchKeyFiles } from './key-files.ts';
import { createProvider } from './provider/index.ts';
import { generateCookieKeys, generateSigningKeys, loadCookieKeys, loadSigningKeys } from './provider/keys.ts';

export interface RunningServer {
  server: Server;
  url: string;
  store: Store;
  close(): Promise<void>;
}

const DEMO_USER = { username: 'demo', password: 'purser-demo' };

async function loadUsers(config: Config, log: Logger): Promise<UserDirectory> {
  if (config.usersFile) return loadUsersFile(config.usersFile);
  if (config.dev) {
    return new UserDirectory([{ username: DEMO_USER.username, passwordHash: await hashPassword(DEMO_USER.password), name: 'Demo User', email: 'demo@example.com', groups: ['developers'] }]);
  }
  log.warn('no PURSER_USERS_FILE: nobody can log in (client_credentials still works)');
  return new UserDirectory([]);
}

/** The key set, and for key files a function that watches them (and returns a function that stops watching). */
async function loadKeys(config: Config, log: Logger): Promise<{ keys: KeyMaterial; watch?(onChange: (keys: KeyMaterial) => void): () => void }> {
  const { jwksFile, cookieKeysFile } = config;
  if (jwksFile && cookieKeysFile) {
    const { keys, digest } = await readKeyFiles({ jwksFile, cookieKeysFile });
    return { keys, watch: (onChange) => watchKeyFiles({ jwksFile, cookieKeysFile }, { intervalMs: config.keysReloadInterval * 1000, log, initialDigest: digest, onChange }) };
  }
  log.warn('using ephemeral signing and cookie keys: tokens and sessions stop working when this process exits (set PURSER_JWKS_FILE and PURSER_COOKIE_KEYS_FILE)');
  return { keys: { jwks: jwksFile ? await loadSigningKeys(jwksFile) : generateSigningKeys(), cookieKeys: cookieKeysFile ? await loadCookieKeys(cookieKeysFile) : generateCookieKeys() } };
}

async function listen(app: Koa, port: number, host: string): Promise<Server> {
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return server;
}

/**
 * Stops accepting connections and lets the open ones end without a reset: every response from now on carries
 * `Connection: close`, and idle keep-alive connections end at the server's keepAliveTimeout, which clients learn from
 * the Keep-Alive header and stop reusing a connection before. http.Server#close would destroy idle connections at
 * once (Node >= 19), racing a client that is sending its next request on one: it gets ECONNRESET, and a token POST is
 * not retried (seen in a rolling restart under load, test/e2e/steps/rollout.ts).
 */
function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
  return new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore(config, log);
  const clients = new CachedClientCatalog(store.clients, { negativeTtlSeconds: config.clientCacheNegativeTtl });
  const users = await loadUsers(config, log);
  const { keys, watch } = await loadKeys(config, log);

  const fileSource = config.clientsDir ? new FileClientSource(config.clientsDir, store.clients, log) : undefined;
  const loaded = (await fileSource?.load()) ?? [];
  fileSource?.watch();

  const { app, metrics, useKeys } = createApp({
    store,
    users,
    log,
    keys,
    providerFor: ({ jwks, cookieKeys }) => createProvider(store, clients, { config, users, jwks, cookieKeys }),
    metricsOnApp: config.metricsPort === undefined,
  });
  const stopWatching = watch?.(useKeys);
  const server = await listen(app, config.port, config.host);
  const metricsServer = config.metricsPort === undefined ? undefined : await listen(new Koa().use(metrics.routes().routes() as Koa.Middleware), config.metricsPort, config.host);
  const address = server.address();
  const url = typeof address === 'object' && address ? `http://${config.host}:${address.port}` : config.issuer;
  log.info({ url, issuer: config.issuer, store: config.redisUrl ? 'redis' : 'memory', clients: loaded.length }, 'purser server listening');
  if (config.dev) process.stdout.write(devBanner(config.issuer, loaded, config.usersFile ? undefined : DEMO_USER));

  return {
    server,
    url,
    store,
    close: async () => {
      fileSource?.close();
      stopWatching?.();
      await Promise.all([closeServer(server), closeServer(metricsServer)]);
      await store.close();
    },
  };
}
