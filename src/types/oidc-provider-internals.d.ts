// The oidc-provider internals Purser reads (the package has no exports map, so its modules resolve by path).

declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  /** The private state oidc-provider keeps per Provider (its keystore, configuration, features). */
  export default function instance(provider: object): Record<string, unknown>;
}

declare module 'oidc-provider/lib/shared/selective_body.js' {
  /** The form body parser of oidc-provider's POST routes. */
  export function urlencoded(ctx: object, next: () => Promise<void>): Promise<void>;
}

declare module 'oidc-provider/lib/helpers/jwt.js' {
  /** The compact JWS of `payload` that oidc-provider issues (id_tokens, JWT access tokens), with `key` (a JWK or an ExternalSigningKey). */
  export function sign(payload: object, key: object, alg: string, options?: { typ?: string; fields?: object; issuer?: string; audience?: string; expiresIn?: number }): Promise<string>;
}

declare module 'oidc-provider/lib/helpers/als.js' {
  /** The request context oidc-provider's models read (token lifetimes, extra claims): the token route runs in it. */
  const als: import('node:async_hooks').AsyncLocalStorage<object>;
  export default als;
}

declare module 'oidc-provider/lib/helpers/params.js' {
  /** A route's parameters: every allowed name, its value or undefined. */
  export default class Params {
    constructor(allowList: Set<string>, params: object);
  }
}

declare module 'oidc-provider/lib/shared/client_auth.js' {
  /** The parameters client authentication reads at the token endpoint, by the methods configured. */
  export function getClientAuthParams(ctx: object): Set<string>;
}

declare module 'oidc-provider/lib/shared/error_handler.js' {
  /** A route's error handler: renders what `next` throws, then emits `eventName` (or server_error). */
  export default function getErrorHandler(eventName: string): (ctx: object, next: () => Promise<unknown>) => Promise<void>;
}
