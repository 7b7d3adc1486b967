// Condition and Event reasons, shared by validation, the controller's status and its Events.

/** The client is in the store and can get tokens. */
export const Ready = 'Ready';
/** The spec cannot be served as written; the message says which field to fix. */
export const InvalidSpec = 'InvalidSpec';
/** The Secret named by `secretName` does not exist yet and `generateSecret` is false. */
export const SecretMissing = 'SecretMissing';
/** Another OAuthClient already claims this client_id. */
export const ClientIdConflict = 'ClientIdConflict';
/** Redis did not accept the client record; the controller retries with backoff. */
export const StoreUnavailable = 'StoreUnavailable';

export interface Problem {
  reason: string;
  message: string;
}
