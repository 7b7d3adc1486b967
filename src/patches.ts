// Every member of a library that Purser replaces or wraps, and every library behaviour it relies on by name, with
// the reason. Installed from here only (createProvider, loadKubeConfig); test/unit/patches.test.ts checks that each
// member still exists in the installed version, so an upgrade that removes or renames one fails loudly instead of
// silently turning a patch off.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Provider } from 'oidc-provider';

import { reuseConnections } from './controller/kube-connections.ts';
import type { CachedClientCatalog } from './store/cached-catalog.ts';
import { installRegisteredAuthMethod } from './server/provider/client-auth-method.ts';
import { installClientInstanceCache } from './server/provider/client-instances.ts';
import { installSecretComparison } from './server/provider/client-secret.ts';
import { routeErrorsToRenderer } from './server/provider/error-rendering.ts';
import { installGrantRenewal } from './server/provider/grant-lifetime.ts';
import { installIntrospection, type FindAccount } from './server/provider/introspection.ts';
import { accessTokenVerifier, type GrantExists } from './server/provider/jwt-access-token.ts';
import { installJwtRevocation } from './server/provider/jwt-revocation.ts';
import type { Jwk } from './server/provider/keys.ts';
import { installBoundTokenIds } from './server/provider/token-ids.ts';
import { installAtomicReplayDetection } from './server/provider/client-assertions.ts';
import { installLoopbackRedirects } from './server/provider/loopback-redirects.ts';
import { installCodeConsumeUndo } from './server/provider/code-consume-undo.ts';
import { installRefreshRotation } from './server/provider/refresh-rotation.ts';
import { installBackchannelQueue } from './server/logout/enqueue.ts';
import { installOfflineRevocation } from './server/logout/offline-access.ts';
import type { LogoutJob, RateCounters } from './store/types.ts';
import { UserCodeGuessLimit } from './server/device/guess-limit.ts';
import { installUserCodeLimit } from './server/device/user-code-lookup.ts';
import { installNewSessionPersist } from './server/device/new-session.ts';
import type { IntrospectionPolicy } from './server/provider/token-policies.ts';
import { spendPreReadBodyWarning } from './server/fast-token/body-fallback.ts';
import { installAssertionCheck, installAssertionIntake, installAssertionMethod, type WorkloadAuthentication } from './server/workload/authenticate.ts';

export interface ProviderPatchDependencies {
  clients: CachedClientCatalog;
  /** The signing keys the provider is built with (private; only their public part is used to verify). */
  jwks: { keys: Jwk[] };
  /** Shared counters (Redis on every replica alike): one use of a client assertion's jti across replicas. */
  counters: RateCounters;
  /** The introspection policy the provider is configured with, applied to JWT access tokens too. */
  mayIntrospect: IntrospectionPolicy;
  /** Whether the grant a JWT access token names is still stored (ArtifactStore.grantExists): one round trip. */
  grantExists: GrantExists;
  /** Whether a token's user is still in the users file (the provider's findAccount): introspection asks. */
  findAccount: FindAccount;
  /** Queues a back-channel logout token for delivery (src/server/logout/delivery.ts). */
  enqueueLogout: (job: LogoutJob) => Promise<void>;
  /** The trusted ServiceAccount issuers' keys and the audience their tokens must carry. */
  workload: WorkloadAuthentication;
  /** Device flow: wrong user codes per address and window (PURSER_DEVICE_USER_CODE_ATTEMPTS). */
  userCodeAttempts: number;
  /** Device flow: the polling interval announced, in seconds (PURSER_DEVICE_POLL_INTERVAL). */
  devicePollInterval: number;
  /** How long a session lives, in seconds (PURSER_SESSION_TTL). */
  sessionTtl: number;
}

export interface Patch<Target, Dependencies> {
  /** The member, as `Class.prototype.member` or `file: what it does`. */
  member: string;
  reason: string;
  /** The member in a fresh, unpatched target; a test asserts it is a function. */
  find?(target: Target): unknown;
  /** Library behaviour relied upon: a file under the library's folder and the source text that does it. */
  source?: { file: string; text: string };
  install(target: Target, deps: Dependencies): void;
}

type ModelName = 'AccessToken' | 'ClientCredentials' | 'RefreshToken' | 'AuthorizationCode';
const generateTokenIdOf = (provider: Provider, model: ModelName) => (provider[model].prototype as unknown as Record<string, unknown>).generateTokenId;

export const OIDC_PROVIDER_PATCHES: ReadonlyArray<Patch<Provider, ProviderPatchDependencies>> = [
  {
    member: 'Client.prototype.compareClientSecret',
    reason: 'client secrets are stored only as salted digests (several during a rotation), compared in constant time',
    find: (provider) => provider.Client.prototype.compareClientSecret,
    install: (provider, { counters }) => installSecretComparison(provider, counters),
  },
  {
    member: 'Client.prototype.compareClientSecret: the registered method',
    reason: 'oidc-provider accepts client_secret_basic and client_secret_post alike; a client must use the method it is registered with (OpenID Connect Core §9)',
    find: (provider) => provider.Client.prototype.compareClientSecret,
    source: { file: 'lib/shared/client_auth.js', text: "methods = ['client_secret_basic', 'client_secret_post'];" },
    install: (provider) => installRegisteredAuthMethod(provider),
  },
  {
    member: 'Client.find',
    reason: 'one Client instance per catalog record, instead of oidc-provider hashing the metadata on every request',
    find: (provider) => (provider.Client as unknown as { find: unknown }).find,
    install: (provider, { clients }) => installClientInstanceCache(provider, clients),
  },
  {
    member: '<token models>.prototype.generateTokenId',
    reason: "stored token ids start with their grant's or client's tag, so one grant's keys share a Redis Cluster slot",
    find: (provider) => (['AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode'] as const).every((model) => typeof generateTokenIdOf(provider, model) === 'function') && generateTokenIdOf(provider, 'RefreshToken'),
    install: (provider) => installBoundTokenIds(provider),
  },
  {
    member: 'Grant.prototype.save',
    reason: "a grant's lifetime starts over at every authorization, so a new refresh token chain does not die with an old grant",
    find: (provider) => (provider.Grant.prototype as unknown as { save: unknown }).save,
    install: (provider) => installGrantRenewal(provider),
  },
  {
    member: "lib/shared/error_handler.js: ctx.accepts('json', 'html')",
    reason: 'every error oidc-provider catches goes to the one renderer (src/server/errors/render.ts), which answers programs with JSON whatever they Accept',
    source: { file: 'lib/shared/error_handler.js', text: "ctx.accepts('json', 'html') === 'html'" },
    install: (provider) => routeErrorsToRenderer(provider),
  },
  {
    member: 'lib/shared/reject_structured_tokens.js: UnsupportedTokenType at introspection',
    reason: 'RFC 7662 §2.2: a JWT access token is introspected (active with its claims, or active: false once its grant or its user is gone), never refused; any token whose user is gone is active: false',
    source: { file: 'lib/shared/reject_structured_tokens.js', text: 'throw new UnsupportedTokenType(' },
    install: (provider, { jwks, mayIntrospect, grantExists, findAccount }) => installIntrospection(provider, accessTokenVerifier(jwks, grantExists), mayIntrospect, findAccount),
  },
  {
    member: 'lib/shared/reject_structured_tokens.js: UnsupportedTokenType at revocation',
    reason: 'RFC 7009 §2.2: revoking an invalid token (a forged JWT, an id_token, a JWT whose grant is gone) answers 200; only a JWT access token of ours that still holds is unsupported_token_type',
    source: { file: 'lib/shared/reject_structured_tokens.js', text: 'throw new UnsupportedTokenType(' },
    install: (provider, { jwks, grantExists }) => installJwtRevocation(provider, accessTokenVerifier(jwks, grantExists)),
  },
  {
    member: 'Client.prototype.redirectUriAllowed, Client.prototype.postLogoutRedirectUriAllowed',
    reason: 'RFC 8252 §7.3: a loopback IP literal redirect URI matches on any port, for every client (oidc-provider only does it for native clients)',
    find: (provider) => {
      const prototype = provider.Client.prototype as unknown as Record<string, unknown>;
      return typeof prototype.postLogoutRedirectUriAllowed === 'function' && prototype.redirectUriAllowed;
    },
    install: (provider) => installLoopbackRedirects(provider),
  },
  {
    member: 'RefreshToken.prototype.consume, AccessToken.prototype.save',
    reason: 'RFC 9700 §4.14.2: a refresh spends its token, stores the successor and the access token in one atomic ArtifactStore.rotate (two round trips per refresh), and inside the reuse grace every presentation gets the same one successor, never a fork of the family',
    find: (provider) => {
      const accessToken = provider.AccessToken.prototype as unknown as Record<string, unknown>;
      return typeof accessToken.save === 'function' && (provider.RefreshToken.prototype as unknown as Record<string, unknown>).consume;
    },
    install: (provider) => installRefreshRotation(provider),
  },
  {
    member: 'AuthorizationCode.prototype.consume',
    reason: 'RFC 6749 §4.1.2: a code whose tokens a full store refused (503, nothing changed) is unconsumed, so the retry does not revoke the grant as code reuse',
    find: (provider) => (provider.AuthorizationCode.prototype as unknown as Record<string, unknown>).consume,
    install: (provider) => installCodeConsumeUndo(provider),
  },
  {
    member: 'ReplayDetection.unique',
    reason: "RFC 7523 §3: a client assertion's jti is used once across replicas (an atomic counter instead of find-then-save)",
    find: (provider) => (provider.ReplayDetection as unknown as { unique: unknown }).unique,
    install: (provider, { counters }) => installAtomicReplayDetection(provider, counters),
  },
  {
    member: 'Client.prototype.backchannelLogout',
    reason: 'Back-Channel Logout 1.0 §2.7: end_session awaits this per client before redirecting the user; it queues the logout token for any replica to deliver and retry instead of POSTing it inline, once',
    find: (provider) => (provider.Client.prototype as unknown as Record<string, unknown>).backchannelLogout,
    install: (provider, { enqueueLogout }) => installBackchannelQueue(provider, enqueueLogout),
  },
  {
    member: 'Session.prototype.authorizationFor: persistsLogout',
    reason: 'logout.revokeOfflineAccess: end_session spares a grant whose authorization persistsLogout (offline_access); for such clients the mark reads false, so logout revokes it',
    find: (provider) => (provider.Session.prototype as unknown as Record<string, unknown>).authorizationFor,
    source: { file: 'lib/actions/end_session.js', text: '!session.authorizationFor(clientId).persistsLogout' },
    install: (provider, { clients }) => installOfflineRevocation(provider, (clientId) => clients.peek(clientId)?.policy),
  },
  {
    member: 'OIDCContext.prototype.body',
    reason: "RFC 7523 §2.2 with a ServiceAccount token: its sub is not the client_id, so the token is kept aside before oidc-provider reads the form (src/server/workload/authenticate.ts)",
    source: { file: 'lib/shared/selective_body.js', text: 'ctx.oidc.body = querystring.parse(body.toString());' },
    install: (provider) => installAssertionIntake(provider),
  },
  {
    member: 'Client.find: ServiceAccount tokens',
    reason: 'the kept ServiceAccount token is verified against the client the request names, offline, with the published issuer keys',
    find: (provider) => (provider.Client as unknown as { find: unknown }).find,
    install: (provider, { workload }) => installAssertionCheck(provider, workload),
  },
  {
    member: 'Client.prototype.clientAuthMethod',
    reason: 'none for the client a ServiceAccount token authenticated, in that request only, so oidc-provider accepts the request without other credentials',
    find: (provider) => Object.getOwnPropertyDescriptor(provider.Client.prototype, 'clientAuthMethod')?.get,
    source: { file: 'lib/shared/client_auth.js', text: 'methods?.includes(ctx.oidc.client.clientAuthMethod) !== true' },
    install: (provider) => installAssertionMethod(provider),
  },
  {
    member: 'Session.prototype.persist',
    reason: 'RFC 8628 §3.3: a device page POSTed without a live session (expired cookie, another browser, a forged form) re-renders its form into a session never saved, whose persist throws (a 500); it is saved as new instead',
    find: (provider) => (provider.Session.prototype as unknown as Record<string, unknown>).persist,
    source: { file: 'lib/shared/error_handler.js', text: 'generateXsrf(ctx, () => {});' },
    install: (provider, { sessionTtl }) => installNewSessionPersist(provider, sessionTtl),
  },
  {
    member: 'DeviceCode.findByUserCode',
    reason: 'RFC 8628 §5.1: user codes are short, so wrong ones are limited per address and server-wide in the shared store, refused before the lookup',
    find: (provider) => (provider.DeviceCode as unknown as { findByUserCode: unknown }).findByUserCode,
    // The request (its address) comes from oidc-provider's AsyncLocalStorage, read through Provider.ctx.
    source: { file: 'lib/provider.js', text: 'static get ctx()' },
    install: (provider, { counters, userCodeAttempts }) => installUserCodeLimit(provider, new UserCodeGuessLimit(counters, userCodeAttempts)),
  },
  {
    member: "lib/actions/authorization/device.js: the device_authorization.success event's body",
    reason: 'RFC 8628 §3.2: the device authorization response announces the polling interval, which oidc-provider leaves out (the device then assumes 5 s)',
    source: { file: 'lib/actions/authorization/device.js', text: "ctx.oidc.provider.emit('device_authorization.success', ctx, ctx.body);" },
    install: (provider, { devicePollInterval }) => {
      provider.on('device_authorization.success', (_ctx: unknown, body: Record<string, unknown>) => {
        body.interval = devicePollInterval;
      });
    },
  },
  {
    member: 'lib/models/formats/jwt.js, lib/actions/token.js: what a client_credentials token looks like',
    reason: 'the client_credentials fast path (src/server/fast-token/) issues the tokens, response and events oidc-provider would; test/integration/token-fast-path.test.ts compares both paths byte for byte, and this check names the library code it follows',
    source: { file: 'lib/models/formats/jwt.js', text: "typ: 'at+jwt'," },
    install: () => undefined,
  },
  {
    member: 'lib/shared/selective_body.js: a body already read',
    reason: 'the client_credentials fast path (src/server/fast-token/) reads the form and hands it back in req.body when oidc-provider must answer; the warning oidc-provider prints once about a pre-read body is spent at start instead of landing in the JSON log',
    source: { file: 'lib/shared/selective_body.js', text: 'return ctx.req.body || ctx.request.body;' },
    install: () => spendPreReadBodyWarning(),
  },
  {
    member: 'lib/helpers/jwt.js: an ExternalSigningKey makes its own signature',
    reason: "signing keys sign with node:crypto on the thread pool, over the JWS bytes oidc-provider writes, at less main-thread CPU than jose's WebCrypto path (src/server/provider/node-signing-key.ts; bench/README.md, issue 16)",
    source: { file: 'lib/helpers/jwt.js', text: 'parts.push(base64url.encodeBuffer(await key.sign(data)));' },
    install: () => undefined,
  },
  {
    member: "lib/actions/token.js: the token route's steps around the grant handler",
    reason: 'the refresh_token fast path (src/server/fast-token/refresh.ts) calls the registered refresh_token handler itself, with the parameters, client entity, request context (AsyncLocalStorage) and error handler the route would give it; test/integration/token-fast-refresh.test.ts compares both paths byte for byte, and this check names the library code it stands in for',
    source: { file: 'lib/actions/token.js', text: 'await grantTypeHandlers.get(grantType)(ctx);' },
    install: () => undefined,
  },
];

/**
 * The words oidc-provider raises some errors with, which the renderer recognises to say them Purser's way
 * (src/server/errors/from-library.ts): each must still be in its file.
 */
export { LIBRARY_WORDING } from './server/errors/from-library.ts';

export const CLIENT_NODE_PATCHES: ReadonlyArray<Patch<KubeConfig, void>> = [
  {
    member: 'KubeConfig.prototype.createDispatcher',
    reason: 'one HTTP agent per TLS identity instead of a new TLS connection for every request (bench/controller-sync)',
    find: (kubeConfig) => (kubeConfig as unknown as { createDispatcher: unknown }).createDispatcher,
    source: { file: 'dist/config.js', text: 'this.createDispatcher(cluster, agentOptions)' },
    install: (kubeConfig) => reuseConnections(kubeConfig),
  },
  {
    member: 'KubeConfig.prototype.applySecurityAuthentication',
    reason: "the controller's per-client writes (src/controller/kube-json.ts) are authenticated by it, with its headers and TLS agent, outside the generated API",
    find: (kubeConfig) => (kubeConfig as unknown as { applySecurityAuthentication: unknown }).applySecurityAuthentication,
    source: { file: 'dist/config.js', text: 'context.setDispatcher(dispatcher)' },
    install: () => undefined,
  },
];

export function installProviderPatches(provider: Provider, deps: ProviderPatchDependencies): void {
  for (const patch of OIDC_PROVIDER_PATCHES) patch.install(provider, deps);
}

export function installClientNodePatches(kubeConfig: KubeConfig): void {
  for (const patch of CLIENT_NODE_PATCHES) patch.install(kubeConfig);
}
