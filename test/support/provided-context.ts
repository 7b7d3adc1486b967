// Values the globalSetup (test/support/global-setup.ts) provides to every test file through
// `inject(...)`. Declared here so `inject('redisUrl')` is typed as a string.
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis shared by the whole run; write only under `uniquePrefix()` keys. */
    redisUrl: string;
    /** Path of a cluster-admin kubeconfig for the run's API server (the OAuthClient CRD installed); work in a namespace of your own. */
    kubeconfig: string;
  }
}
