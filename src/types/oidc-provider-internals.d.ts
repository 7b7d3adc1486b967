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
