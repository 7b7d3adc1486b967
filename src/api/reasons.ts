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

/** spec.clientId lies outside the namespace (not `*.<namespace>`) and no PURSER_CLIENT_ID_PATTERNS entry allows it. */
export const ClientIdNotAllowed = 'ClientIdNotAllowed';

/**
 * A Secret named by the OAuthClient exists but its creator did not mark it for this client (label
 * purser.dev/oauthclient); the controller neither uses its values nor changes it.
 */
export const SecretNotMarked = 'SecretNotMarked';

/** SkipConsent condition: the namespace is first-party, so consent is skipped as the spec asks. */
export const FirstParty = 'FirstParty';

/** SkipConsent condition: the namespace is not first-party, so the spec's skipConsent is ignored and consent shown. */
export const SkipConsentNotAllowed = 'SkipConsentNotAllowed';

/** Redis did not answer; the controller retries with backoff and the previous record (if any) keeps serving. */
export const StoreUnavailable = 'StoreUnavailable';

export interface Problem {
  reason: string;
  message: string;
}
