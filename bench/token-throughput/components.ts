// Which component of a token request a CPU profile sample belongs to, for the write-up of issue 16: HTTP parsing,
// routing, client authentication, policy, signing, serialisation, logging, metrics, Redis I/O, GC, ...
//
// A sample belongs to the component of the innermost frame on its stack that one of the rules below matches: a
// sample in `JSON.stringify` called from Koa's `respond` is serialisation; one in Node's stream code under ioredis
// is Redis I/O, under `_http_outgoing` it is the HTTP response. Rules are tried in order on each frame, the first
// that matches wins, so a specific rule (a file, a function) goes before the catch-all of its package. Frames are
// named by their path relative to the working directory (`src/server/metrics.ts`,
// `node_modules/oidc-provider/lib/shared/client_auth.js`, `node:_http_server`) and their function name.
//
// To give a new code path its component (say a dedicated grant under src/server/grants/), add a rule with its path
// pattern above the catch-alls; `profile-summary.ts` lists the busiest frames left in "other" to show what to add.

export interface Rule {
  component: string;
  /** Tested against the frame's path (relative to the working directory, `node:` for Node's own modules). */
  url?: RegExp;
  /** Tested against the frame's function name; both must match when both are given. */
  functionName?: RegExp;
}

const nm = (path: string) => new RegExp(`(^|/)node_modules/${path}`);
const OIDC = 'oidc-provider/lib/';

export const COMPONENTS = {
  http: 'HTTP parsing',
  response: 'HTTP response write',
  routing: 'routing & middleware',
  clientAuth: 'client authentication',
  policy: 'policy',
  grant: 'grant & token models',
  signing: 'signing',
  serialisation: 'serialisation',
  logging: 'logging',
  metrics: 'metrics',
  redis: 'Redis I/O & storage',
  gc: 'GC',
  eventLoop: 'event loop & promises',
  other: 'other',
} as const;

const C = COMPONENTS;

/** In order: specific files and functions first, each package's catch-all after them. */
export const RULES: Rule[] = [
  // V8 pseudo-frames and the event loop.
  { component: C.gc, functionName: /^\(garbage collector\)$/ },
  { component: C.eventLoop, url: /^node:internal\/(process\/task_queues|timers)$/ },
  { component: C.eventLoop, functionName: /^(runMicrotasks|processTicksAndRejections)$/ },

  // Signing: JOSE, WebCrypto and node:crypto signatures, oidc-provider's JWT helper and keystore.
  { component: C.signing, url: nm('jose/') },
  { component: C.signing, url: /^node:internal\/crypto\/(sig|webcrypto|ec|keys|util|webidl)/ },
  { component: C.signing, url: new RegExp(`${OIDC}helpers/(jwt|keystore|initialize_keystore)\\.js$`) },
  { component: C.signing, url: /^src\/server\/provider\/node-signing-key\.ts$/ },

  // The client_credentials fast path (src/server/fast-token/, issue 16), step by step; the signature it makes with
  // node:crypto is "signing" through the rule above.
  { component: C.http, url: /^src\/server\/fast-token\/(eligible|form|body-fallback)\.ts$/ },
  { component: C.clientAuth, url: /^src\/server\/fast-token\/authenticate\.ts$/ },
  { component: C.policy, url: /^src\/server\/fast-token\/decide\.ts$/ },
  { component: C.grant, url: /^src\/server\/fast-token\/issue\.ts$/ },
  { component: C.serialisation, url: /^src\/server\/fast-token\/respond\.ts$/ },
  { component: C.routing, url: /^src\/server\/fast-token\/index\.ts$/ },

  // Serialisation: token formats (claims → JWT / opaque value), the response body's JSON.
  { component: C.serialisation, url: new RegExp(`${OIDC}models/formats/`) },
  { component: C.serialisation, url: nm('koa/lib/application'), functionName: /^respond$/ },
  { component: C.serialisation, url: new RegExp(`${OIDC}helpers/base64url\\.js$`) },

  // Client authentication: oidc-provider's, the client catalog, secret hashes, ServiceAccount assertions.
  { component: C.clientAuth, url: new RegExp(`${OIDC}(shared/(client_auth|jwt_client_auth|attest_client_auth)|models/client|helpers/constant_equals)\\.js$`) },
  { component: C.clientAuth, url: /^src\/store\/(secret-hash|cached-catalog)\.ts$/ },
  { component: C.clientAuth, url: /^src\/store\/oidc-adapter\.ts$/, functionName: /client/i },
  { component: C.clientAuth, url: /^src\/server\/(workload\/|provider\/(client-[^/]+|keys)\.ts$)/ },

  // Policy: allow-lists, audiences, tenancy admission, resource indicators.
  { component: C.policy, url: /^src\/server\/provider\/(resource-servers|api-admission|token-policies|ttl|grant-lifetime)\.ts$/ },
  { component: C.policy, url: /^src\/api\// },
  { component: C.policy, url: new RegExp(`${OIDC}(shared/check_resource|helpers/(resolve_resource|resource_server|is_valid_scope|combined_scope))\\.js$`) },

  // Logging and metrics.
  { component: C.logging, url: nm('(pino|pino-std-serializers|sonic-boom|thread-stream|quick-format-unescaped|fast-redact|@pinojs)/') },
  { component: C.logging, url: /^src\/(log|server\/request-log)\.ts$/ },
  { component: C.metrics, url: nm('(prom-client|tdigest|bintrees)/') },
  { component: C.metrics, url: /^src\/server\/metrics\.ts$/ },

  // Redis and the adapter over it (refresh tokens, grants, opaque access tokens).
  { component: C.redis, url: nm('(ioredis|@ioredis|redis-parser|redis-errors|cluster-key-slot|denque|standard-as-callback)/') },
  { component: C.redis, url: /^src\/store\// },

  // HTTP: the request (parser, headers, body, parameters) and the response (headers, socket write).
  { component: C.response, url: /^node:_http_outgoing$/ },
  { component: C.response, url: /^node:_http_server$/, functionName: /^(writeHead|_implicitHeader|_finish|resOnFinish|.*[Hh]eader.*)$/ },
  { component: C.http, url: /^node:(_http_(server|common|incoming)|internal\/url|querystring|string_decoder)$/ },
  { component: C.http, url: new RegExp(`${OIDC}(shared/(selective_body|assemble_params|reject_dupes|no_cache)|helpers/params)\\.js$`) },
  { component: C.http, url: /^bench\/token-throughput\/floor-server\.ts$/ },
  { component: C.http, url: nm('(raw-body|koa-body|co-body|content-type|type-is|media-typer|mime-types|mime-db|iconv-lite|bytes|http-errors|content-disposition)/') },

  // Routing and middleware: Koa and its context accessors, routers, Purser's app-level middleware.
  { component: C.routing, url: nm('(koa|koa-compose|koa-mount|@koa/router|koa-router|path-to-regexp|delegates|only|statuses|vary|on-finished|ee-first|encodeurl|escape-html|accepts|negotiator|fresh|parseurl|cookies|keygrip|depd|destroy|cache-content-type|http-assert)/') },
  { component: C.routing, url: new RegExp(`${OIDC}(helpers/router|shared/(error_handler|cors|session|xsrf))\\.js$`) },
  { component: C.routing, url: /^src\/server\/([^/]+|(device|errors|interactions|logout|accounts)\/.+)\.ts$/ },

  // Grant handling: oidc-provider's token endpoint, grant handlers and models; Purser's grant code.
  { component: C.grant, url: /^src\/server\/(grants|provider)\// },
  { component: C.grant, url: nm('(oidc-provider|nanoid|quick-lru|lru-cache|oidc-token-hash)/') },
];

/** A profile frame's URL as the rules see it: from the project's `src/`, `node_modules/`… on, wherever it ran. */
export const rulePath = (url: string): string => url.replace(/^file:\/\/.*?\/(?=(node_modules|src|bench|test)\/)/, '');

/** The component of one frame (its URL as the profile has it), or undefined when no rule matches it. */
export function componentOf(url: string, functionName: string): string | undefined {
  const path = rulePath(url);
  return RULES.find((rule) => (!rule.url || rule.url.test(path)) && (!rule.functionName || rule.functionName.test(functionName)))?.component;
}
