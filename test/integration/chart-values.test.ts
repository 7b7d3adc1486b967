// The chart's values: helm lint passes; values.schema.json and the templates refuse what cannot work, with a message
// naming the value; and every setting of src/config/settings.ts reaches the pods (or is excluded for a stated
// reason), with exactly the values given, in a form the real configuration loader accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { V1Container, V1Deployment, V1ServiceAccount } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';

import { DURATION_PATTERN } from '../../src/api/duration.ts';
import { loadConfig, type Command } from '../../src/config/load.ts';
import { envName, settings, type SettingKey } from '../../src/config/settings.ts';
import { CHART, containerOf, envOf, findObject, helm, helmTemplate, parseManifests, podSpecOf, PROVISION_TIMEOUT_MS, type Manifest } from '../support/helm.ts';

const PRODUCTION = join(new URL('../../', import.meta.url).pathname, 'test/fixtures/chart/production-values.yaml');

let production: Manifest[];
let defaults: Manifest[];

beforeAll(async () => {
  [defaults, production] = await Promise.all([
    helmTemplate({ namespace: 'purser-system' }).then(parseManifests),
    helmTemplate({ namespace: 'auth', values: [PRODUCTION] }).then(parseManifests),
  ]);
}, PROVISION_TIMEOUT_MS);

describe('helm lint', () => {
  it.each([
    ['the default values', []],
    ['the production values', ['--values', PRODUCTION]],
  ])('passes --strict with %s', async (_, args) => {
    const result = await helm(['lint', '--strict', CHART, ...args]);
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(result.code).toBe(0);
  });
});

describe('refused values', () => {
  /** `helm template` with `--set` values, failing or not: what a user typing them would see. */
  const renderWith = (set: string[]) => helm(['template', 'purser', CHART, ...set.flatMap((value) => ['--set', value])]);
  const SCHEMA_ERROR = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\npurser:\n";

  it.each([
    ['a misspelt key', ['tokens.accessTokenTtI=1h'], '- tokens: Additional property accessTokenTtI is not allowed'],
    ['a misspelt top-level key', ['replicaCount=3'], '- (root): Additional property replicaCount is not allowed'],
    ['a malformed duration', ['tokens.accessTokenTtl=1hour'], "- tokens.accessTokenTtl: Does not match pattern '^([0-9]+[smhd])+$'"],
    ['a malformed controller duration', ['controller.leaseDuration=15sec'], "- controller.leaseDuration: Does not match pattern '^([0-9]+[smhd])+$'"],
    ['an unknown Redis mode', ['redis.mode=replica'], '- redis.mode: redis.mode must be one of the following: "standalone", "sentinel", "cluster"'],
    ['an unknown log level', ['logLevel=verbose'], '- logLevel: logLevel must be one of the following: "fatal", "error", "warn", "info", "debug", "trace"'],
    ['pretty logs, which the image cannot write', ['logFormat=pretty'], '- logFormat: logFormat must be one of the following: "json"'],
    ['an unknown pull policy', ['image.pullPolicy=Sometimes'], '- image.pullPolicy: image.pullPolicy must be one of the following: "IfNotPresent", "Always", "Never"'],
    ['an issuer with a trailing slash', ['issuer=https://auth.example.com/'], "- issuer: Does not match pattern '^(https?://[^/?#]+(/[^?#]*[^/?#])?)?$'"],
    ['no controller workers', ['controller.workers=0'], '- controller.workers: Must be greater than or equal to 1'],
    ['a Kubernetes quantity as Redis maxmemory', ['redis.bundled.maxmemory=192Mi'], "- redis.bundled.maxmemory: Does not match pattern '^([0-9]+([kKmMgG][bB]?)?)?$'"],
  ])('the schema refuses %s', async (_, set, message) => {
    const result = await renderWith(set);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${SCHEMA_ERROR}${message}\n`);
  });

  it('the schema\'s durations are the ones the server parses', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as { definitions: { duration: { pattern: string } } };
    expect(schema.definitions.duration.pattern).toBe(DURATION_PATTERN);
  });

  it.each([
    ['your Redis and the bundled one at once', ['redis.url=redis://redis:6379/0'], 'redis.url is set and redis.bundled.enabled is true: set redis.bundled.enabled=false to use your Redis, or leave redis.url empty for the bundled one'],
    ['no Redis at all', ['redis.bundled.enabled=false'], 'Purser needs Redis: set redis.url (production) or redis.bundled.enabled=true (evaluation)'],
    ['Sentinel with the bundled Redis', ['redis.mode=sentinel'], 'redis.mode=sentinel needs your own Redis in redis.url: the bundled Redis is a single standalone server'],
    ['two controllers without leader election', ['controller.leaderElection=false'], 'controller.leaderElection=false with more than one controller replica: every replica would reconcile at once'],
    ['an Ingress without a host, which the API server would refuse (no rules) and the issuer cannot derive from', ['ingress.enabled=true'], 'ingress.enabled=true needs at least one host in ingress.hosts'],
  ])('the templates refuse %s', async (_, set, message) => {
    const result = await renderWith(set);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('one controller without leader election is fine', async () => {
    const objects = parseManifests(await helmTemplate({ namespace: 'purser-system', set: ['controller.leaderElection=false', 'controller.replicaCount=1'] }));
    expect(envOf(containerOf(objects, 'Deployment', 'purser-controller')).PURSER_LEADER_ELECTION).toBe('false');
  });
});

describe('settings', () => {
  // Settings the chart does not expose, and why. Everything else must reach a pod.
  const EXCLUDED: Partial<Record<SettingKey, string>> = {
    dev: 'dev mode (in-memory store, demo user, ephemeral keys) is never for a cluster',
    clientsDir: 'a folder of OAuthClient files is dev mode\'s client source; in a cluster they are resources',
    host: 'a pod listens on every interface, which the default 0.0.0.0 already does',
    kubeconfig: 'in a pod the controller uses its ServiceAccount',
    tlsCertFile: 'rendered only with server.tls.existingSecret (tested on its own); the production values end TLS at the Ingress',
    tlsKeyFile: 'as tlsCertFile',
    tenancy: 'enforced (the default) is what a cluster runs; a migration sets PURSER_TENANCY=open through server.extraEnv for a while (README, "Multi-tenancy")',
    backchannelLogoutTimeout: 'back-channel logout\'s defaults (5 s per POST, 8 attempts, retries from 5 s doubling) suit a cluster; tune them through server.extraEnv',
    backchannelLogoutAttempts: 'as backchannelLogoutTimeout',
    backchannelLogoutRetryDelay: 'as backchannelLogoutTimeout',
    backchannelLogoutAllowLoopback: 'a pod must never deliver logout tokens to its own loopback (sidecar admin ports): refused outside dev mode, not a chart value',
    backchannelLogoutAllowPrivateNetworks: 'in-cluster receivers are the default (true); a platform whose receivers are all public sets it false through server.extraEnv (README, "Logout: what ends, and back-channel logout")',
    devServiceAccountIssuerKey: 'dev mode\'s local ServiceAccount issuer; in a cluster the controller reads the real one',
    deviceCodeTtl: 'the device flow\'s defaults (RFC 8628\'s own suggestions) fit a cluster; a platform that wants others sets them through server.extraEnv (README, "Device flow")',
    devicePollInterval: 'as deviceCodeTtl',
    deviceUserCodeCharset: 'as deviceCodeTtl',
    deviceUserCodeAttempts: 'as deviceCodeTtl',
    tokenFastPath: 'an operator kill switch (on by default, the same tokens either way); turned off through server.extraEnv if ever needed',
  };

  const serverEnv = () => envOf(containerOf(production, 'Deployment', 'purser-server'));
  const controllerEnv = () => envOf(containerOf(production, 'Deployment', 'purser-controller'));

  it('every setting reaches the server or the controller with the production values, or is excluded for a reason', () => {
    const rendered = new Set([...Object.keys(serverEnv()), ...Object.keys(controllerEnv())]);
    const missing = settings.filter((setting) => !rendered.has(envName(setting.key)) && !(setting.key in EXCLUDED)).map((setting) => envName(setting.key));
    expect(missing).toEqual([]);
    for (const key of Object.keys(EXCLUDED)) {
      expect(settings.map((setting) => setting.key as string), `${key} is excluded but is no setting`).toContain(key);
      expect(rendered, `${key} is excluded but rendered`).not.toContain(envName(key));
    }
    const settingNames = new Set(settings.map((setting) => envName(setting.key)));
    expect([...rendered].filter((name) => name.startsWith('PURSER_') && !settingNames.has(name))).toEqual([]);
  });

  it('the server gets exactly the production values', () => {
    expect(serverEnv()).toEqual({
      PURSER_ISSUER: 'https://auth.example.com',
      PURSER_PORT: '4000',
      PURSER_METRICS_PORT: '9090',
      PURSER_TRUST_PROXY: 'true',
      PURSER_REDIS_URL: 'redis-sentinel-0.redis:26379,redis-sentinel-1.redis:26379,redis-sentinel-2.redis:26379',
      PURSER_REDIS_MODE: 'sentinel',
      PURSER_REDIS_SENTINEL_NAME: 'purser-primary',
      PURSER_REDIS_PASSWORD_FILE: '/etc/purser/redis/redis-password',
      PURSER_REDIS_KEY_PREFIX: 'auth:',
      PURSER_REDIS_TIMEOUT: '3s',
      PURSER_TRUSTED_PROXY_HOPS: '2',
      PURSER_KEEP_ALIVE_TIMEOUT: '65s',
      PURSER_HEADERS_TIMEOUT: '66s',
      PURSER_REQUEST_TIMEOUT: '5m',
      PURSER_USERS_FILE: '/etc/purser/users/users.yaml',
      PURSER_JWKS_FILE: '/etc/purser/keys/jwks.json',
      PURSER_COOKIE_KEYS_FILE: '/etc/purser/keys/cookie-keys',
      PURSER_KEYS_RELOAD_INTERVAL: '30s',
      PURSER_ACCESS_TOKEN_TTL: '15m',
      PURSER_ID_TOKEN_TTL: '30m',
      PURSER_REFRESH_TOKEN_TTL: '7d',
      PURSER_REFRESH_TOKEN_ABSOLUTE_LIFETIME: '30d',
      PURSER_AUTHORIZATION_CODE_TTL: '30s',
      PURSER_SESSION_TTL: '8h',
      PURSER_INTERACTION_TTL: '5m',
      PURSER_WORKLOAD_AUDIENCE: 'https://auth.example.com/workloads',
      PURSER_CLIENT_CACHE_NEGATIVE_TTL: '2s',
      PURSER_LOG_LEVEL: 'warn',
      PURSER_LOG_FORMAT: 'json',
      NODE_EXTRA_CA_CERTS: '/etc/purser/redis-ca/ca.crt',
      NODE_OPTIONS: '--max-old-space-size=384',
    });
    const server = containerOf(production, 'Deployment', 'purser-server');
    expect(server.volumeMounts!.find((mount) => mount.name === 'users')).toEqual({ name: 'users', mountPath: '/etc/purser/users', readOnly: true });
  });

  it('the controller gets exactly the production values, and the token lifetimes its key retention depends on', () => {
    expect(controllerEnv()).toEqual({
      PURSER_ISSUER: 'https://auth.example.com',
      PURSER_REDIS_URL: 'redis-sentinel-0.redis:26379,redis-sentinel-1.redis:26379,redis-sentinel-2.redis:26379',
      PURSER_REDIS_MODE: 'sentinel',
      PURSER_REDIS_SENTINEL_NAME: 'purser-primary',
      PURSER_REDIS_PASSWORD_FILE: '/etc/purser/redis/redis-password',
      PURSER_REDIS_KEY_PREFIX: 'auth:',
      PURSER_REDIS_TIMEOUT: '3s',
      PURSER_ACCESS_TOKEN_TTL: '15m',
      PURSER_ID_TOKEN_TTL: '30m',
      PURSER_SESSION_TTL: '8h',
      PURSER_LOG_LEVEL: 'warn',
      PURSER_LOG_FORMAT: 'json',
      PURSER_CONTROLLER_PORT: '8081',
      PURSER_NAMESPACES: 'team-a,team-b',
      PURSER_CONTROLLER_WORKERS: '8',
      PURSER_LEADER_ELECTION: 'true',
      PURSER_LEASE_DURATION: '20s',
      PURSER_LEASE_NAMESPACE: 'auth',
      PURSER_SECRET_ROTATION_OVERLAP: '2h',
      PURSER_RESYNC_PERIOD: '15m',
      PURSER_CLIENT_ID_PATTERNS: 'team-a=payments',
      PURSER_FIRST_PARTY_NAMESPACES: 'team-a',
      PURSER_MANAGE_KEYS: 'true',
      PURSER_KEYS_SECRET: 'purser-keys',
      PURSER_SIGNING_KEY_ROTATION_PERIOD: '14d',
      PURSER_SIGNING_KEY_RETENTION: '2d',
      PURSER_KEYS_PROPAGATION_DELAY: '5m',
      PURSER_SERVICE_ACCOUNT_ISSUER_REFRESH: '2m',
      PURSER_TRUSTED_ISSUERS_FILE: '/etc/purser/trusted-issuers/issuers.yaml',
      NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=1',
      MALLOC_ARENA_MAX: '2',
      NODE_EXTRA_CA_CERTS: '/etc/purser/redis-ca/ca.crt',
    });
  });

  /** What the process in the pod would parse: its flags after the command, and its environment. */
  const configOf = (container: V1Container, command: Command) => loadConfig(container.args!.slice(1), envOf(container), command);

  it('the real configuration loader accepts what both pods get, with the default and the production values', () => {
    for (const objects of [defaults, production]) {
      expect(() => configOf(containerOf(objects, 'Deployment', 'purser-server'), 'server')).not.toThrow();
      expect(() => configOf(containerOf(objects, 'Deployment', 'purser-controller'), 'controller')).not.toThrow();
    }
    const server = configOf(containerOf(production, 'Deployment', 'purser-server'), 'server');
    expect([server.accessTokenTtl, server.refreshTokenTtl, server.sessionTtl, server.trustProxy, server.metricsPort]).toEqual([900, 7 * 86400, 8 * 3600, true, 9090]);
    const controller = configOf(containerOf(production, 'Deployment', 'purser-controller'), 'controller');
    expect([controller.namespaces, controller.controllerWorkers, controller.leaseDuration, controller.signingKeyRotationPeriod]).toEqual([['team-a', 'team-b'], 8, 20, 14 * 86400]);
  });

  it('the loader refuses what the schema cannot: a rotation period shorter than the propagation delay', async () => {
    const objects = parseManifests(await helmTemplate({ namespace: 'purser-system', set: ['signingKeys.rotationPeriod=1m'] }));
    expect(() => configOf(containerOf(objects, 'Deployment', 'purser-controller'), 'controller')).toThrow('PURSER_SIGNING_KEY_ROTATION_PERIOD must be longer than PURSER_KEYS_PROPAGATION_DELAY');
  });
});

describe('values platform teams reach for (the production values set each)', () => {
  const server = () => podSpecOf(production, 'Deployment', 'purser-server');
  const controller = () => podSpecOf(production, 'Deployment', 'purser-controller');
  const template = (name: string) => findObject<V1Deployment>(production, 'Deployment', name).spec!.template;

  it('priorityClassName, podLabels (beside the selector labels), and per-component scheduling', () => {
    expect(server().priorityClassName).toBe('purser-critical');
    expect(controller().priorityClassName).toBe('purser-critical');
    expect(template('purser-server').metadata!.labels).toMatchObject({ 'sidecar.istio.io/inject': 'false', 'app.kubernetes.io/component': 'server' });
    expect(controller().nodeSelector).toEqual({ 'node-role.example.com/system': 'true' });
    expect(controller().tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }]);
    expect(server().nodeSelector).toBeUndefined();
  });

  it('ServiceAccount annotations', () => {
    expect(findObject<V1ServiceAccount>(production, 'ServiceAccount', 'purser-server').metadata!.annotations).toEqual({ 'example.com/role': 'purser-server' });
    expect(findObject<V1ServiceAccount>(production, 'ServiceAccount', 'purser-controller').metadata!.annotations).toBeUndefined();
  });

  it('extraVolumes, extraVolumeMounts and extraEnvFrom (a private CA, proxy settings)', () => {
    expect(server().volumes).toContainEqual({ name: 'private-ca', configMap: { name: 'private-ca' } });
    const container = containerOf(production, 'Deployment', 'purser-server');
    expect(container.volumeMounts).toContainEqual({ name: 'private-ca', mountPath: '/etc/private-ca', readOnly: true });
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'proxy-settings' } }]);
    expect(containerOf(production, 'Deployment', 'purser-controller').envFrom).toBeUndefined();
  });

  it('the CA of a TLS Redis, mounted into both and trusted through NODE_EXTRA_CA_CERTS', () => {
    for (const [spec, name] of [[server(), 'purser-server'], [controller(), 'purser-controller']] as const) {
      expect(spec.volumes).toContainEqual({ name: 'redis-ca', secret: { secretName: 'redis-ca' } });
      const container = containerOf(production, 'Deployment', name);
      expect(container.volumeMounts).toContainEqual({ name: 'redis-ca', mountPath: '/etc/purser/redis-ca', readOnly: true });
      expect(envOf(container).NODE_EXTRA_CA_CERTS).toBe('/etc/purser/redis-ca/ca.crt');
    }
    expect(envOf(containerOf(defaults, 'Deployment', 'purser-server')).NODE_EXTRA_CA_CERTS).toBeUndefined();
  });

  it('TLS on the server pod: the certificate Secret mounted and its files set, probes over HTTPS, an https:// in-cluster address', async () => {
    const objects = parseManifests(await helmTemplate({ namespace: 'auth', values: [PRODUCTION], set: ['server.tls.existingSecret=purser-server-tls'] }));
    expect(podSpecOf(objects, 'Deployment', 'purser-server').volumes).toContainEqual({ name: 'tls', secret: { secretName: 'purser-server-tls' } });
    const container = containerOf(objects, 'Deployment', 'purser-server');
    expect(container.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/purser/tls', readOnly: true });
    expect(envOf(container)).toMatchObject({ PURSER_TLS_CERT_FILE: '/etc/purser/tls/tls.crt', PURSER_TLS_KEY_FILE: '/etc/purser/tls/tls.key' });
    expect(envOf(containerOf(production, 'Deployment', 'purser-server')).PURSER_TLS_CERT_FILE).toBeUndefined();
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) expect(probe!.httpGet!.scheme).toBe('HTTPS');
    expect(containerOf(defaults, 'Deployment', 'purser-server').readinessProbe!.httpGet!.scheme).toBeUndefined();
    const issuerWith = async (set: string[]) => envOf(containerOf(parseManifests(await helmTemplate({ namespace: 'auth', set: ['server.tls.existingSecret=purser-tls', ...set] })), 'Deployment', 'purser-server')).PURSER_ISSUER;
    expect(await issuerWith([])).toBe('https://purser.auth.svc:80');
    expect(await issuerWith(['server.service.port=443'])).toBe('https://purser.auth.svc');
  });

  it('with controller.namespaces, a ValidatingAdmissionPolicy refusing OAuthClients elsewhere (unless turned off)', async () => {
    const policy = findObject<{ spec: { validations: { expression: string }[] } }>(production, 'ValidatingAdmissionPolicy', 'purser-oauthclient-namespaces');
    expect(policy.spec.validations[0]!.expression).toBe("request.namespace in ['team-a','team-b']");
    expect(findObject<{ spec: { policyName: string; validationActions: string[] } }>(production, 'ValidatingAdmissionPolicyBinding', 'purser-oauthclient-namespaces').spec).toEqual({
      policyName: 'purser-oauthclient-namespaces',
      validationActions: ['Deny'],
    });
    expect(defaults.filter((object) => object.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
    const off = parseManifests(await helmTemplate({ namespace: 'auth', values: [PRODUCTION], set: ['controller.refuseUnwatchedNamespaces=false'] }));
    expect(off.filter((object) => object.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
  });
});
