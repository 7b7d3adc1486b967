// CamelCase reasons for OAuthAPI conditions and for the OAuthClient's per-audience conditions, shared by the
// admission decision, the controller's status and its Events.

/** The OAuthAPI holds its audience and its admission rules are served. */
export const ApiReady = 'Ready';

/** Another, older OAuthAPI already claims this audience; it keeps it. */
export const AudienceConflict = 'AudienceConflict';

/** No OAuthAPI declares the audience the client asks for. */
export const NoOAuthAPI = 'NoOAuthAPI';

/** The audience's OAuthAPI does not admit the client (or not to every scope it lists); the message names it. */
export const AudienceNotAdmitted = 'AudienceNotAdmitted';

/** A requested scope is not among those the audience's OAuthAPI defines. */
export const ScopeNotDefined = 'ScopeNotDefined';
