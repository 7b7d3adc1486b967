// Plain JSON requests to the Kubernetes API, for the writes the controller makes for every OAuthClient.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { request, type Dispatcher } from 'undici';

/** The part of client-node's RequestContext that `KubeConfig.applySecurityAuthentication` writes to. */
interface AuthenticationTarget {
  setHeaderParam(name: string, value: string): void;
  setDispatcher(dispatcher: Dispatcher): void;
}

/**
 * Sends `body` as JSON with `method` to `path` (with its query) and resolves with the parsed answer; a status
 * outside 2xx rejects with client-node's ApiException (`code`, parsed `body`), as the generated API does, so that
 * `statusCodeOf` reads both alike.
 */
export type JsonRequest = <T>(method: 'POST' | 'PATCH', path: string, body: object, contentType?: string) => Promise<T>;

/**
 * Requests authenticated exactly as client-node's generated API authenticates them (the same kubeconfig, token
 * refresh and TLS agent, which `reuseConnections` shares), without its ObjectSerializer and fetch: those
 * walked every body against the generated model classes and cost about a third of the controller's CPU per
 * OAuthClient in a full sync (bench/controller-sync).
 */
export function jsonRequests(kubeConfig: KubeConfig): JsonRequest {
  // A server URL may carry a path (a proxy such as Rancher's): requests go below it, not to the host's root.
  const server = (kubeConfig.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
  return async <T>(method: 'POST' | 'PATCH', path: string, body: object, contentType = 'application/json') => {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': contentType };
    let dispatcher: Dispatcher | undefined;
    const target: AuthenticationTarget = {
      setHeaderParam: (name, value) => (headers[name] = value),
      setDispatcher: (chosen) => (dispatcher = chosen),
    };
    await kubeConfig.applySecurityAuthentication(target as unknown as Parameters<KubeConfig['applySecurityAuthentication']>[0]);
    const response = await request(`${server}${path}`, { method, headers, body: JSON.stringify(body), ...(dispatcher ? { dispatcher } : {}) });
    // An error may come from a proxy in front of the API server, as text, whatever its content-type says.
    const text = await response.body.text();
    const json = /^application\/json\b/i.test(String(response.headers['content-type'] ?? ''));
    const answer: unknown = json ? parsedOr(text) : text;
    if (response.statusCode < 200 || response.statusCode > 299) {
      const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)]));
      throw new ApiException(response.statusCode, 'Unknown API Status Code!', answer, headers);
    }
    return answer as T;
  };
}

/** `text` parsed as JSON, or `text` itself when it is not JSON (a proxy's error page labelled application/json). */
function parsedOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
