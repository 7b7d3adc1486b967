// What a consent request asks for, in words a person understands; unknown names are shown as they are.
import { html, type SafeHtml } from './html.ts';

/** The access a client asks for that the user has not granted yet (oidc-provider's consent prompt details). */
export interface RequestedAccess {
  scopes: string[];
  claims: string[];
  /** Resource indicator (the API's URI) → scopes on that API. */
  resources: Record<string, string[]>;
}

const SCOPE_WORDS: Readonly<Record<string, string>> = {
  openid: 'Know who you are (your username)',
  profile: 'See your name and username',
  email: 'See your email address',
  groups: 'See which groups you belong to',
  offline_access: 'Keep this access while you are not using it',
};

function codes(names: readonly string[]): SafeHtml[] {
  return names.map((name, index) => html`${index ? ', ' : ''}<code>${name}</code>`);
}

function describeScope(scope: string): SafeHtml {
  const words = SCOPE_WORDS[scope];
  return words ? html`${words}` : html`Use the <code>${scope}</code> permission`;
}

function describeResource(indicator: string, scopes: readonly string[]): SafeHtml {
  return scopes.length
    ? html`Use <code>${indicator}</code> with the permissions ${codes(scopes)}`
    : html`Use <code>${indicator}</code>`;
}

/** One list item's content per thing asked for, in a stable order: identity scopes, claims, then APIs. */
export function describeAccess({ scopes, claims, resources }: RequestedAccess): SafeHtml[] {
  return [
    ...scopes.map(describeScope),
    ...(claims.length ? [html`See these details about you: ${codes(claims)}`] : []),
    ...Object.entries(resources).map(([indicator, resourceScopes]) => describeResource(indicator, resourceScopes)),
  ];
}
