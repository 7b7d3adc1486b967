// Values the globalSetup (test/support/global-setup.ts) provides to every test file through
// `inject(...)`. Declared here so `inject('redisUrl')` is typed as a string.
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis shared by the whole run; write only under `uniquePrefix()` keys. */
    redisUrl: string;
  }
}
