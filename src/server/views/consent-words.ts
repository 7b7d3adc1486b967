// What a consent request asks for, in words a person understands; unknown names are shown as they are.
import { own } from '../../api/admission.ts';
import { html, type SafeHtml } from './html.ts';

/** The access a client asks for that the user has not granted yet (oidc-provider's consent prompt details). */
export interface RequestedAccess {
  scopes: string[];
  claims: string[];
  /** Resource indicator (the API's URI) → scopes on that API. */
  resources: Record<string, string[]>;
  /** Resource indicator → what its OAuthAPI says about itself: a name and each scope's description. */
  apis?: Record<string, ApiWords>;
}

export interface ApiWords {
  displayName?: string;
  descriptions: Record<string, string>;
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

function describeResource(indicator: string, scopes: readonly string[], api: ApiWords | undefined): SafeHtml {
  const name = api?.displayName ? html`${api.displayName}` : html`<code>${indicator}</code>`;
  if (!scopes.length) return html`Use ${name}`;
  // The OAuthAPI's own words for each scope, with the scope's name beside them; a scope without words keeps its name.
  const described = scopes.map((scope, index) => {
    // Own entries only: a scope named `constructor` has no words unless the OAuthAPI gives it some.
    const words = api ? own(api.descriptions, scope) : undefined;
    return html`${index ? '; ' : ''}${words ? html`${words} (<code>${scope}</code>)` : html`<code>${scope}</code>`}`;
  });
  return api ? html`${name}: ${described}` : html`Use ${name} with the permissions ${codes(scopes)}`;
}

/** One list item's content per thing asked for, in a stable order: identity scopes, claims, then APIs. */
export function describeAccess({ scopes, claims, resources, apis = {} }: RequestedAccess): SafeHtml[] {
  return [
    ...scopes.map(describeScope),
    ...(claims.length ? [html`See these details about you: ${codes(claims)}`] : []),
    ...Object.entries(resources).map(([indicator, resourceScopes]) => describeResource(indicator, resourceScopes, apis[indicator])),
  ];
}
