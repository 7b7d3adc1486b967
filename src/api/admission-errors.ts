// What Purser says when a token request reaches beyond what an OAuthAPI admits: the OAuth errors (RFC 6749 §5.2,
// RFC 8707 §2) and their descriptions, in one place so the README can document each and the errors module can
// render them. Each description names the audience, the OAuthAPI to ask and what to change; values are quoted with
// ' because RFC 6749 §5.2 allows no " in an error_description.

/** RFC 8707 §2: the resource (audience) cannot be used by this client. */
export const INVALID_TARGET = 'invalid_target';
/** RFC 6749 §5.2: a requested scope is unknown to the audience or not admitted for this client. */
export const INVALID_SCOPE = 'invalid_scope';

/** No OAuthAPI claims the audience (none was declared, or it was deleted). */
export const noOAuthAPIDescription = (audience: string): string =>
  `no OAuthAPI declares the audience '${audience}'; its API team declares it with an OAuthAPI resource`;

/** The OAuthAPI admits this client to none of its scopes in this flow. */
export const audienceNotAdmittedDescription = (api: string, audience: string, clientId: string, flow: string): string =>
  `OAuthAPI ${api} does not admit client '${clientId}' to the audience '${audience}' for ${flow} tokens; ask its owners to add the client to spec.access`;

/** The scopes are not among those the OAuthAPI defines. */
export const scopeNotDefinedDescription = (api: string, audience: string, scopes: string[]): string =>
  `OAuthAPI ${api} (audience '${audience}') defines no scope ${scopes.map((s) => `'${s}'`).join(', ')}`;

/** The OAuthAPI defines the scopes, but does not admit them for this client in this flow. */
export const scopeNotAdmittedDescription = (api: string, audience: string, clientId: string, flow: string, scopes: string[], admitted: string[]): string =>
  `OAuthAPI ${api} does not admit ${scopes.map((s) => `'${s}'`).join(', ')} for client '${clientId}' at the audience '${audience}' in ${flow} tokens (admitted: ${admitted.join(' ') || 'none'}); ask its owners to extend spec.access`;
