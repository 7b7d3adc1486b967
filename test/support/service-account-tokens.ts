// ServiceAccount tokens for the workload-identity tests: real ones from the API server (TokenRequest, as
// `kubectl create token` does), forged ones signed with a key the cluster never had, and openid-client's client
// authentication with a ServiceAccount token (README "Workload identity").
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

import type * as oidc from 'openid-client';

import { kubectlOk } from './kube.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** `kubectl create token <name> -n <namespace> [--audience <audience>]`: a TokenRequest token. */
export async function createToken(namespace: string, name: string, options: { audience?: string; kubeconfig?: string; duration?: string } = {}): Promise<string> {
  const args = ['create', 'token', name, '-n', namespace, ...(options.audience ? ['--audience', options.audience] : []), ...(options.duration ? [`--duration=${options.duration}`] : [])];
  return (await kubectlOk(args, { kubeconfig: options.kubeconfig })).trim();
}

/** openid-client's client authentication with a ServiceAccount token as the RFC 7523 client assertion. */
export function serviceAccountAuth(token: () => string): oidc.ClientAuth {
  return (_server, client, body) => {
    body.set('client_id', client.client_id);
    body.set('client_assertion_type', JWT_BEARER);
    body.set('client_assertion', token());
  };
}

/** A token shaped like a ServiceAccount token, RS256-signed with `key` (by default one nobody publishes). */
export function forgeToken(claims: Record<string, unknown>, key: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, kid = 'forged'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode({ alg: 'RS256', kid })}.${encode(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

/** The claims of a token, unverified. */
export const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

export const privateKeyFromPem = (pem: string): KeyObject => createPrivateKey(pem);
