// Starts the server: opens the store, loads users and keys, builds the provider and the app, and listens.
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { Server as NetServer } from 'node:net';

import Koa from 'koa';

import { ConfigError, type Config } from '../config/load.ts';
import { listenError } from '../config/listen-error.ts';
import type { Logger } from '../log.ts';
import { CachedApiCatalog, CachedClientCatalog } from '../store/cached-catalog.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { hashPassword, loadUsersFile, UserDirectory } from './accounts/users.ts';
import { createApp, type KeyMaterial } from './app.ts';
import { devBanner } from './dev/banner.ts';
import { FileClientSource } from './dev/file-clients.ts';
import { configureHttpServer } from './http-server.ts';
import { readKeyFiles, watchKeyFiles } from './key-files.ts';
import { LogoutDeliveries } from './logout/delivery.ts';
import { deliveryNetwork } from './logout/delivery-network.ts';
import { postLogoutToken } from './logout/post-logout-token.ts';
import { logoutTokenFor } from './logout/logout-token.ts';
import { createProvider } from './provider/index.ts';
import { publishDevIssuer } from './workload/dev-issuer.ts';
import { IssuerKeys } from './workload/issuer-keys.ts';
import { readTlsFiles, watchTlsFiles, type TlsFiles, type TlsMaterial } from './tls-files.ts';
import { generateCookieKeys, generateSigningKeys, loadCookieKeys, loadSigningKeys } from './provider/keys.ts';

export interface RunningServer {
  server: Server;
  url: string;
  store: Store;
  close(): Promise<void>;
}

const DEMO_USER = { username: 'demo', password: 'purser-demo' };

/** The users, and for a users file a function that watches it (and returns a function that stops watching). */
async function loadUsers(config: Config, log: Logger): Promise<{ users: UserDirectory; watch?(): () => void }> {
  if (config.usersFile) {
    const { users, watch } = await loadUsersFile(config.usersFile);
    return { users, watch: () => watch(config.keysReloadInterval * 1000, log) };
  }
  if (config.dev) {
    return { users: new UserDirectory([{ username: DEMO_USER.username, passwordHash: await hashPassword(DEMO_USER.password), name: 'Demo User', email: 'demo@example.com', groups: ['developers'] }]) };
  }
  log.warn('no PURSER_USERS_FILE: nobody can log in (client_credentials still works)');
  return { users: new UserDirectory([]) };
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

/** Listens with HTTP, or with HTTPS when `tls` is given; `portSetting` names the setting that chose `port`. */
async function listen(app: Koa, port: number, host: string, portSetting: 'port' | 'metricsPort', tls?: TlsMaterial): Promise<Server> {
  const server = tls ? createHttpsServer(tls, app.callback()) : createServer(app.callback());
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', (error) => reject(listenError(error, host, port, portSetting))));
  return server;
}

/** The certificate to serve HTTPS with, when both files are configured. */
async function loadTls(config: Config): Promise<{ files: TlsFiles; tls: TlsMaterial; digest: string } | undefined> {
  if (!config.tlsCertFile && !config.tlsKeyFile) return undefined;
  if (!config.tlsCertFile || !config.tlsKeyFile) throw new ConfigError('PURSER_TLS_CERT_FILE and PURSER_TLS_KEY_FILE go together: set both, or neither');
  const files = { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile };
  return { files, ...(await readTlsFiles(files)) };
}

/**
 * How long a stopping server keeps serving requests on connections it already has (each answered with
 * `Connection: close`) before it ends the idle ones: clients in the middle of a burst learn to reconnect elsewhere
 * instead of meeting a reset. Short, because every stop waits it out when a client holds an idle connection.
 */
const SHUTDOWN_DRAIN_MS = 1_000;

/**
 * Stops accepting connections and lets the open ones end without a reset: every response from now on carries
 * `Connection: close`, and idle keep-alive connections are ended after SHUTDOWN_DRAIN_MS. http.Server#close would
 * destroy idle connections at once (Node >= 19), racing a client that is sending its next request on one: it gets
 * ECONNRESET, and a token POST is not retried (seen in a rolling restart under load, test/e2e/steps/rollout.ts).
 */
async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.prependListener('request', (_request, response) => response.setHeader('connection', 'close'));
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  const drain = setTimeout(() => server.closeIdleConnections(), SHUTDOWN_DRAIN_MS).unref();
  await closed;
  clearTimeout(drain);
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore(config, log);
  const clients = new CachedClientCatalog(store.clients, { negativeTtlSeconds: config.clientCacheNegativeTtl });
  const apis = new CachedApiCatalog(store.apis, { negativeTtlSeconds: config.clientCacheNegativeTtl });
  const { users, watch: watchUsers } = await loadUsers(config, log);
  const { keys, watch } = await loadKeys(config, log);

  if (config.dev && config.devServiceAccountIssuerKey) {
    // A trial convenience: a folder it cannot write (a read-only container) must not stop dev mode.
    await publishDevIssuer(store.workloadIssuers, config.devServiceAccountIssuerKey).catch((error: unknown) => log.warn({ err: error }, 'dev ServiceAccount issuer not available; workload identity cannot be tried'));
  }
  const issuerKeys = new IssuerKeys(store.workloadIssuers);
  issuerKeys.start();

  const fileSource = config.clientsDir ? new FileClientSource(config.clientsDir, store.clients, log, store.apis) : undefined;
  const loaded = (await fileSource?.load()) ?? [];
  fileSource?.watch();

  const network = deliveryNetwork({ allowLoopback: config.backchannelLogoutAllowLoopback, allowPrivateNetworks: config.backchannelLogoutAllowPrivateNetworks });
  const logouts: LogoutDeliveries = new LogoutDeliveries({
    queue: store.logouts,
    log,
    timeoutMs: config.backchannelLogoutTimeout * 1000,
    attempts: Math.max(1, config.backchannelLogoutAttempts),
    retryDelayMs: config.backchannelLogoutRetryDelay * 1000,
    prepare: (job) => logoutTokenFor(purser.provider(), job),
    post: (uri, token, timeoutMs) => postLogoutToken(uri, token, timeoutMs, network),
    count: (outcome) => purser.metrics.backchannelLogouts.inc({ outcome }),
  });
  const purser = createApp({
    store,
    apis,
    users,
    log,
    keys,
    providerFor: ({ jwks, cookieKeys }) => createProvider(store, clients, apis, { config, users, jwks, cookieKeys, enqueueLogout: (job) => logouts.enqueue(job) }, { keys: issuerKeys, audience: config.workloadAudience ?? config.issuer }),
    metricsOnApp: config.metricsPort === undefined,
    issuer: config.issuer,
  });
  const { app, metrics, useKeys } = purser;
  // Koa reads the client address from the right of X-Forwarded-For: the last `trustedProxyHops` entries are ours.
  app.maxIpsCount = config.trustedProxyHops;
  const stopWatching = watch?.(useKeys);
  const stopWatchingUsers = watchUsers?.();
  const tls = await loadTls(config);
  const server = await listen(app, config.port, config.host, 'port', tls?.tls);
  const stopWatchingTls = tls && watchTlsFiles(tls.files, server as HttpsServer, { intervalMs: config.keysReloadInterval * 1000, log, initialDigest: tls.digest });
  configureHttpServer(server, config, log);
  logouts.start();
  const metricsServer = config.metricsPort === undefined ? undefined : await listen(new Koa().use(metrics.routes().routes() as Koa.Middleware), config.metricsPort, config.host, 'metricsPort');
  const address = server.address();
  const url = typeof address === 'object' && address ? `${tls ? 'https' : 'http'}://${config.host}:${address.port}` : config.issuer;
  log.info({ url, issuer: config.issuer, store: config.redisUrl ? 'redis' : 'memory', clients: loaded.length }, 'purser server listening');
  if (config.dev) process.stdout.write(devBanner(config.issuer, loaded, config.usersFile ? undefined : DEMO_USER));

  return {
    server,
    url,
    store,
    close: async () => {
      fileSource?.close();
      issuerKeys.stop();
      stopWatching?.();
      stopWatchingUsers?.();
      stopWatchingTls?.();
      await Promise.all([closeServer(server), closeServer(metricsServer)]);
      await logouts.stop();
      await store.close();
    },
  };
}
