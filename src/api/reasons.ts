// Why an OAuthClient is or is not served: CamelCase reasons shared by validation, the controller's status
// conditions and its Events, so that `kubectl describe` and `kubectl get -o yaml` say the same thing.

/** The client is in the catalog and can get tokens. */
export const Ready = 'Ready';

/** The spec cannot be served as written; the message says which field to fix. */
export const InvalidSpec = 'InvalidSpec';

/** `secretName` names a Secret that does not exist (yet) and `generateSecret: false` forbids minting one. */
export const SecretMissing = 'SecretMissing';

/** The Secret exists but its `client_secret` cannot be used (too short, whitespace, a colon). */
export const SecretInvalid = 'SecretInvalid';

/** Another, older OAuthClient already claims this client_id; it keeps it. */
export const ClientIdConflict = 'ClientIdConflict';

/** Redis did not answer; the controller retries with backoff and the previous record (if any) keeps serving. */
export const StoreUnavailable = 'StoreUnavailable';

export interface Problem {
  reason: string;
  message: string;
}
