// Every setting Purser reads, declared once: name, environment variable, flag, default and meaning.
// The README's configuration table is generated from this list (`npm run docs:config`).

export type SettingKind = 'string' | 'integer' | 'boolean' | 'duration' | 'list';

export interface Setting {
  /** Property name on the parsed configuration object. */
  key: string;
  kind: SettingKind;
  /** Default in production mode; `undefined` means "not set". */
  default?: string;
  /** Default in dev mode (`--dev`), when it differs. */
  devDefault?: string;
  description: string;
}

export const settings = [
  {
    key: 'dev',
    kind: 'boolean',
    default: 'false',
    description: 'Dev mode: in-memory store, clients from `PURSER_CLIENTS_DIR`, a demo user, ephemeral keys. Never use in production.',
  },
  {
    key: 'issuer',
    kind: 'string',
    default: 'http://localhost:4000',
    description:
      'Issuer identifier: the public base URL clients reach Purser at. Appears in every token and in discovery. Unset, it is `http://localhost:` and the port Purser listens on (`PURSER_PORT`).',
  },
  {
    key: 'host',
    kind: 'string',
    default: '0.0.0.0',
    devDefault: '127.0.0.1',
    description: 'Address the HTTP server listens on.',
  },
  {
    key: 'port',
    kind: 'integer',
    default: '4000',
    description: 'Port the HTTP server listens on.',
  },
  {
    key: 'trustProxy',
    kind: 'boolean',
    default: 'false',
    description: 'Trust `X-Forwarded-*` headers from a reverse proxy or ingress in front of Purser.',
  },
  {
    key: 'trustedProxyHops',
    kind: 'integer',
    default: '1',
    description: 'With `PURSER_TRUST_PROXY`: how many proxies in front of Purser append to `X-Forwarded-For`. The client address is the one the outermost of them saw; addresses further left are the client\'s own claim and are ignored (the login throttle keys on this address).',
  },
  {
    key: 'keepAliveTimeout',
    kind: 'duration',
    default: '65s',
    description: 'How long an idle keep-alive connection stays open (announced as `Keep-Alive: timeout=N`). Keep it longer than the idle timeout of every proxy in front (60 s for ingress-nginx, AWS ALB and GCP LB), so a proxy never reuses a connection Purser is closing.',
  },
  {
    key: 'headersTimeout',
    kind: 'duration',
    default: '66s',
    description: 'How long a client may take to send a request\'s headers; longer than `PURSER_KEEP_ALIVE_TIMEOUT`, as proxies reuse connections near that limit.',
  },
  {
    key: 'requestTimeout',
    kind: 'duration',
    default: '5m',
    description: 'How long a client may take to send a whole request; at least `PURSER_HEADERS_TIMEOUT`.',
  },
  {
    key: 'redisUrl',
    kind: 'string',
    description: 'Redis to keep clients, codes, sessions, grants and tokens in, e.g. `redis://redis:6379/0`. Required unless `--dev`. With `PURSER_REDIS_MODE=sentinel` or `cluster`, a comma-separated list of `host:port` seeds.',
  },
  {
    key: 'redisMode',
    kind: 'string',
    default: 'standalone',
    description: 'How to reach Redis: `standalone`, `sentinel` or `cluster`.',
  },
  {
    key: 'redisSentinelName',
    kind: 'string',
    default: 'mymaster',
    description: 'Name of the Sentinel-monitored primary, with `PURSER_REDIS_MODE=sentinel`.',
  },
  {
    key: 'redisPasswordFile',
    kind: 'string',
    description: 'File holding the Redis password (a mounted Secret), when the URL does not carry one.',
  },
  {
    key: 'redisKeyPrefix',
    kind: 'string',
    default: 'purser:',
    description: 'Prefix of every Redis key, so several installations can share one Redis.',
  },
  {
    key: 'redisTimeout',
    kind: 'duration',
    default: '2s',
    description: 'How long a Redis command may take before the request fails with 503 `temporarily_unavailable` (a stalled or overloaded Redis); keep it well under your proxy\'s timeout (60 s for ingress-nginx). `/readyz` fails while Redis does not answer within 1 s.',
  },
  {
    key: 'clientsDir',
    kind: 'string',
    devDefault: 'examples/clients',
    description: 'Folder of `OAuthClient` YAML files to serve clients from (dev mode); changes apply without a restart.',
  },
  {
    key: 'tenancy',
    kind: 'string',
    default: 'enforced',
    description:
      '`enforced`: a token for an audience carries only scopes that the audience\'s `OAuthAPI` admits for the client (README, "Multi-tenancy"). `open`: the behaviour before OAuthAPI, where a client gets any audience and scope its own spec lists; for migrations only.',
  },
  {
    key: 'usersFile',
    kind: 'string',
    description: 'YAML file of users (username, passwordHash (argon2id), email, name, groups). Dev mode without it serves one demo user.',
  },
  {
    key: 'jwksFile',
    kind: 'string',
    description: 'JSON Web Key Set (private keys) to sign tokens with: an ES256 key for access tokens and an RS256 key for id_tokens. Required unless `--dev`, where ephemeral keys are generated.',
  },
  {
    key: 'cookieKeysFile',
    kind: 'string',
    description: 'File with one cookie-signing key per line (newest first). Required unless `--dev`.',
  },
  {
    key: 'keysReloadInterval',
    kind: 'duration',
    default: '10s',
    description: 'How often `PURSER_JWKS_FILE`, `PURSER_COOKIE_KEYS_FILE` and `PURSER_USERS_FILE` are read again; a changed key set or users list is used at once, without a restart (a mounted Secret changes in place when the controller rotates keys or a user is added).',
  },
  {
    key: 'tlsCertFile',
    kind: 'string',
    description: 'PEM certificate chain to serve HTTPS with on `PURSER_PORT` (with `PURSER_TLS_KEY_FILE`), e.g. a mounted cert-manager Secret. Read again every `PURSER_KEYS_RELOAD_INTERVAL`; a renewed certificate is used for new connections without a restart. Unset: plain HTTP (TLS ends at an Ingress or a mesh).',
  },
  {
    key: 'tlsKeyFile',
    kind: 'string',
    description: 'PEM private key of `PURSER_TLS_CERT_FILE`.',
  },
  {
    key: 'metricsPort',
    kind: 'integer',
    description: 'Serve `/metrics` on this port of its own instead of on `PURSER_PORT`, so metrics (labelled by client_id) stay off the public listener.',
  },
  {
    key: 'accessTokenTtl',
    kind: 'duration',
    default: '1h',
    description: 'Default access token lifetime; a client may set its own `accessToken.ttl`.',
  },
  {
    key: 'idTokenTtl',
    kind: 'duration',
    default: '1h',
    description: 'id_token lifetime.',
  },
  {
    key: 'refreshTokenTtl',
    kind: 'duration',
    default: '14d',
    description: 'Default idle lifetime of a refresh token (each rotation starts a new one); a client may set `refreshToken.ttl`.',
  },
  {
    key: 'refreshTokenAbsoluteLifetime',
    kind: 'duration',
    default: '90d',
    description: 'Default absolute lifetime of a refresh token chain, counted from the first grant; a client may set `refreshToken.absoluteLifetime`.',
  },
  {
    key: 'authorizationCodeTtl',
    kind: 'duration',
    default: '1m',
    description: 'Authorization code lifetime.',
  },
  {
    key: 'sessionTtl',
    kind: 'duration',
    default: '14d',
    description: 'Login session lifetime.',
  },
  {
    key: 'interactionTtl',
    kind: 'duration',
    default: '10m',
    description: 'How long a user has to complete the login and consent pages.',
  },
  {
    key: 'clientCacheNegativeTtl',
    kind: 'duration',
    default: '5s',
    description: 'How long a replica remembers that a client_id does not exist, or that no OAuthAPI declares an audience (changes are still pushed to every replica at once).',
  },
  {
    key: 'logLevel',
    kind: 'string',
    default: 'info',
    description: 'Log level: `fatal`, `error`, `warn`, `info`, `debug` or `trace`.',
  },
  {
    key: 'logFormat',
    kind: 'string',
    default: 'json',
    devDefault: 'pretty',
    description: 'Log format: `json` (one line per event) or `pretty`.',
  },
  {
    key: 'kubeconfig',
    kind: 'string',
    description: 'Controller: kubeconfig file to reach the Kubernetes API with. Unset: the pod\'s service account, else `KUBECONFIG`, else `~/.kube/config`.',
  },
  {
    key: 'namespaces',
    kind: 'list',
    default: '',
    description: 'Controller: comma-separated namespaces to watch `OAuthClient` resources in; empty watches every namespace (needs a ClusterRole).',
  },
  {
    key: 'clientIdPatterns',
    kind: 'list',
    default: '',
    description: 'Controller: comma-separated `namespace=pattern` entries (`*` matches any characters on either side, but a dot in a client_id pattern: `payments*` never allows `payments.team-a`) letting OAuthClients of a namespace use a `spec.clientId` outside their namespace, e.g. `team-a=payments`. An id ending in `.<namespace>` is always allowed; any other is refused (Ready=False, `ClientIdNotAllowed`) and its record removed. `*=*` restores the open behaviour of versions before it (any namespace, any id).',
  },
  {
    key: 'firstPartyNamespaces',
    kind: 'list',
    default: '',
    description: 'Controller: comma-separated namespaces whose OAuthClients are first-party: only their `skipConsent: true` is honoured; elsewhere users see the consent page and the client\'s `SkipConsent` condition says so (`SkipConsentNotAllowed`). `*` makes every namespace first-party (the behaviour before it). Dev mode treats its client files as first-party.',
  },
  {
    key: 'controllerPort',
    kind: 'integer',
    default: '8081',
    description: 'Controller: port of its `/healthz`, `/readyz` and `/metrics`.',
  },
  {
    key: 'controllerWorkers',
    kind: 'integer',
    default: '16',
    description:
      'Controller: how many OAuthClients are reconciled at once. Each reconcile mostly waits on the API server, so more in flight keeps it busy: a first sync of 2000 clients took 24.6 s with 4, 20.4-20.8 s with 8 and 18.5-19.0 s with 16 (bench/controller-sync).',
  },
  {
    key: 'leaderElection',
    kind: 'boolean',
    default: 'true',
    description: 'Controller: elect one active replica through a `coordination.k8s.io` Lease, so several can run.',
  },
  {
    key: 'leaseNamespace',
    kind: 'string',
    description: 'Controller: namespace of the leader-election Lease `purser-controller`. Unset: `POD_NAMESPACE`, else the service account\'s namespace, else `default`.',
  },
  {
    key: 'leaseDuration',
    kind: 'duration',
    default: '15s',
    description: 'Controller: how long a leader\'s Lease holds without renewal; a standby takes over at most this long after the leader dies.',
  },
  {
    key: 'secretRotationOverlap',
    kind: 'duration',
    default: '1h',
    description: 'Controller: how long a client\'s previous secret keeps working after its Secret gets a new `client_secret`.',
  },
  {
    key: 'resyncPeriod',
    kind: 'duration',
    default: '10m',
    description: 'Controller: how often every OAuthClient is reconciled again and client records without a resource are removed from Redis.',
  },
  {
    key: 'manageKeys',
    kind: 'boolean',
    default: 'true',
    description: 'Controller: create and rotate the key Secret `PURSER_KEYS_SECRET`; `false` when you provide the server\'s keys yourself.',
  },
  {
    key: 'keysSecret',
    kind: 'string',
    default: 'purser-keys',
    description: 'Controller: Secret, in the Lease\'s namespace (`PURSER_LEASE_NAMESPACE`), holding the server\'s signing keys (`jwks.json`) and cookie keys (`cookie-keys`); mount it into the server.',
  },
  {
    key: 'signingKeyRotationPeriod',
    kind: 'duration',
    default: '30d',
    description: 'Controller: how long a signing key signs before the next one takes over. Every key is published in JWKS one period before it signs, so caches of JWKS learn it first.',
  },
  {
    key: 'signingKeyRetention',
    kind: 'duration',
    default: '1d',
    description: 'Controller: how long a retired signing key stays in JWKS at least; it stays longer when token or session lifetimes need it (access tokens, including every OAuthClient\'s `accessToken.ttl`, id_tokens, and `PURSER_SESSION_TTL`, since an id_token comes back as `id_token_hint` at logout).',
  },
  {
    key: 'keysPropagationDelay',
    kind: 'duration',
    default: '5m',
    description: 'Controller: how long a change of the key Secret may take to reach every server (the kubelet\'s sync period and Secret cache, plus `PURSER_KEYS_RELOAD_INTERVAL`). A retired key stays published this much longer than the longest token lifetime.',
  },
  {
    key: 'backchannelLogoutTimeout',
    kind: 'duration',
    default: '5s',
    description: 'Back-channel logout: how long one delivery of a logout token to an OAuthClient\'s `backchannelLogoutUri` may take (connect, send, answer) before it counts as failed and is retried.',
  },
  {
    key: 'backchannelLogoutAttempts',
    kind: 'integer',
    default: '8',
    description: 'Back-channel logout: how many times a logout token is sent before Purser gives up on it (counted in `purser_backchannel_logout_total{outcome="failed"}`).',
  },
  {
    key: 'backchannelLogoutRetryDelay',
    kind: 'duration',
    default: '5s',
    description: 'Back-channel logout: the wait before the first retry; each later retry waits twice as long as the one before, at most 5 minutes.',
  },
  {
    key: 'backchannelLogoutAllowLoopback',
    kind: 'boolean',
    default: 'false',
    devDefault: 'true',
    description: 'Back-channel logout: deliver logout tokens to loopback addresses (127.0.0.0/8, ::1, 0.0.0.0), checked on the address connected to after DNS resolution. Off outside dev mode: an OAuthClient could otherwise aim Purser at its own pod (a sidecar\'s admin port). Link-local addresses (169.254.0.0/16 with cloud metadata, fe80::/10) are always refused. Refusals are counted in `purser_backchannel_logout_total{outcome="refused"}` and not retried.',
  },
  {
    key: 'backchannelLogoutAllowPrivateNetworks',
    kind: 'boolean',
    default: 'true',
    description: 'Back-channel logout: deliver logout tokens to private addresses (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7), where receivers inside the cluster live. `false` when every receiver is public and OAuthClient authors must not reach internal services.',
  },
  {
    key: 'workloadAudience',
    kind: 'string',
    description: 'Server: the audience a ServiceAccount token must carry to authenticate a client (README "Workload identity"). Unset: `PURSER_ISSUER`.',
  },
  {
    key: 'serviceAccountIssuerRefresh',
    kind: 'duration',
    default: '5m',
    description: 'Controller: how often the cluster\'s service-account issuer and keys (issuer discovery through the API server) and the trusted issuers are read again and published to the servers. A failed read keeps the last good keys.',
  },
  {
    key: 'trustedIssuersFile',
    kind: 'string',
    description: 'Controller: a YAML or JSON file listing the service-account issuers of other clusters whose ServiceAccount tokens authenticate clients: `[{issuer, jwksUri}]` or `[{issuer, jwks: {keys: [...]}}]` (the chart\'s `workloadIdentity.trustedIssuers`).',
  },
  {
    key: 'devServiceAccountIssuerKey',
    kind: 'string',
    devDefault: '.purser-dev/service-account-issuer.jwk',
    description: 'Dev mode: a local ServiceAccount issuer\'s private key file (a JWK, made on first use); the server trusts its issuer `https://purser.dev.invalid/service-accounts`, and `purser mint-sa-token` signs test tokens with it.',
  },
  {
    key: 'deviceCodeTtl',
    kind: 'duration',
    default: '10m',
    description: 'Device flow (RFC 8628): how long a device code and its user code are valid (`expires_in`); the user must enter the code and sign in within it.',
  },
  {
    key: 'devicePollInterval',
    kind: 'duration',
    default: '5s',
    description: 'Device flow: the least time a device waits between two polls of the token endpoint (`interval`, whole seconds). A poll sooner is answered `slow_down` and the device\'s interval grows by 5 s (RFC 8628 §3.5).',
  },
  {
    key: 'deviceUserCodeCharset',
    kind: 'string',
    default: 'base-20',
    description: 'Device flow: the characters of user codes. `base-20`: 8 letters without vowels or look-alikes (`BCDFGHJKLMNPQRSTVWXZ`), shown as `XXXX-XXXX`; `digits`: 9 digits shown as `XXX-XXX-XXX`, for devices with a numeric keypad. Input ignores case, dashes and spaces.',
  },
  {
    key: 'deviceUserCodeAttempts',
    kind: 'integer',
    default: '10',
    description: 'Device flow: wrong user codes one address may enter per 15 minutes; the whole server accepts 100 times as many from all addresses together before it stops checking codes for the rest of the window (RFC 8628 §5.1). Counted in the store, so the limit holds across replicas.',
  },
  {
    key: 'tokenFastPath',
    kind: 'boolean',
    default: 'true',
    description: 'Answer the common successful client_credentials token request (form body, one client authentication by the registered method, scopes and audience the policies admit), and the plain refresh_token request (refresh_token alone, a client secret by the registered method, an unused token of that client whose grant is stored), on a dedicated path that issues the same tokens as oidc-provider with less work per request; every other token request, and every refusal, goes through oidc-provider, except a store fault on the way (Redis full, stalled or gone), answered there with the same 503 so that the request does not wait for Redis twice. `false` sends them all through oidc-provider, if the fast path is ever suspected of a difference.',
  },
] as const satisfies readonly Setting[];

export type SettingKey = (typeof settings)[number]['key'];

/** `redisUrl` → `PURSER_REDIS_URL`. */
export function envName(key: string): string {
  return `PURSER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** `redisUrl` → `redis-url` (used as `--redis-url`). */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
