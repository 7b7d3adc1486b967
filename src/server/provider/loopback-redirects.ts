// RFC 8252 §7.3 and RFC 9700 §2.1: a native app on the loopback interface listens on whatever port the OS gives it,
// so a redirect URI registered as http on a loopback IP literal matches with any port; everything else about it
// (scheme, host, path, query) must match exactly. oidc-provider does this only for `application_type: native`
// clients, and also for `localhost`; Purser does it for every client, and only for the IP literals.
//
// `localhost` is matched exactly as registered: RFC 8252 §8.3 makes it NOT RECOMMENDED, because the name may resolve
// to something other than the loopback interface (a hosts file, a resolver), and an app that lets the OS pick a port
// binds an address, which it then knows as a literal. A dev web server on localhost:3000 keeps its port anyway.
import type { Provider } from 'oidc-provider';

/** `http://127.0.0.1[:port]…` or `http://[::1][:port]…`: the authority, then the port, then the rest. */
const LOOPBACK_LITERAL = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

/** The URI with its port taken out, when it is http on a loopback IP literal with a valid port; else undefined. */
export function withoutLoopbackPort(uri: string): string | undefined {
  const match = LOOPBACK_LITERAL.exec(uri);
  if (!match) return undefined;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return `http://${match[1]}${match[3] ?? ''}`;
}

/** Whether `presented` is one of `registered`, or differs from a loopback-literal one only by its port. */
export function redirectUriMatches(presented: string, registered: readonly string[]): boolean {
  if (registered.includes(presented)) return true;
  const portless = withoutLoopbackPort(presented);
  return portless !== undefined && registered.some((uri) => withoutLoopbackPort(uri) === portless);
}

interface RedirectChecks {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  redirectUriAllowed(value: string): boolean;
  postLogoutRedirectUriAllowed(value: string): boolean;
}

/** Replaces oidc-provider's checks of redirect_uri and post_logout_redirect_uri (both sit on Client). */
export function installLoopbackRedirects(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as RedirectChecks;
  prototype.redirectUriAllowed = function redirectUriAllowed(this: RedirectChecks, value: string) {
    return redirectUriMatches(value, this.redirectUris ?? []);
  };
  prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(this: RedirectChecks, value: string) {
    return redirectUriMatches(value, this.postLogoutRedirectUris ?? []);
  };
}
