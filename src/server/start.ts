// Starts the server: opens the store, loads users and keys, builds the provider and the app, and listens.
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';

import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { CachedClientCatalog } from '../store/cached-catalog.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { hashPassword, loadUsersFile, UserDirectory } from './accounts/users.ts';
import { createApp } from './app.ts';
import { devBanner } from './dev/banner.ts';
import { FileClientSource } from './dev/file-clients.ts';
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

async function loadKeys(config: Config, log: Logger) {
  if (config.jwksFile && config.cookieKeysFile) {
    return { jwks: await loadSigningKeys(config.jwksFile), cookieKeys: await loadCookieKeys(config.cookieKeysFile) };
  }
  log.warn('using ephemeral signing and cookie keys: tokens and sessions stop working when this process exits (set PURSER_JWKS_FILE and PURSER_COOKIE_KEYS_FILE)');
  return { jwks: config.jwksFile ? await loadSigningKeys(config.jwksFile) : generateSigningKeys(), cookieKeys: config.cookieKeysFile ? await loadCookieKeys(config.cookieKeysFile) : generateCookieKeys() };
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore(config, log);
  const clients = new CachedClientCatalog(store.clients, { negativeTtlSeconds: config.clientCacheNegativeTtl });
  const users = await loadUsers(config, log);
  const { jwks, cookieKeys } = await loadKeys(config, log);
  const provider = createProvider(store, clients, { config, users, jwks, cookieKeys });

  const fileSource = config.clientsDir ? new FileClientSource(config.clientsDir, store.clients, log) : undefined;
  const loaded = (await fileSource?.load()) ?? [];
  fileSource?.watch();

  // Every replica derives the same CSRF key from the shared cookie key, so any replica can check any form.
  const csrfKey = createHmac('sha256', cookieKeys[0]!).update('purser interaction csrf').digest();
  const app = createApp({ provider, store, users, log, csrfKey, cookieKeys });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
