// reconcileKeys(): the server's key Secret exists and follows the signing-key schedule. Reads the Secret itself
// (not a cache), writes only when the plan changed something, and asks to be looked at again when the next key is due.
import type { V1Secret } from '@kubernetes/client-node';

import { generateCookieKey, generateSigningKey, KEY_SET_FILES, type Jwk, type SigningAlgorithm } from '../../api/key-set.ts';
import type { Logger } from '../../log.ts';
import type { KubeApi } from '../kube.ts';
import type { ReconcileResult } from '../reconcile/index.ts';
import { planSigningKeys, type ManagedJwk } from './plan.ts';

/** The work-queue key of the key Secret: never a `namespace/name`, since no namespace starts with a colon. */
export const SIGNING_KEYS_QUEUE_KEY = ':signing-keys';

export interface KeysContext {
  kube: KubeApi;
  namespace: string;
  secretName: string;
  rotationPeriodMs: number;
  /** The configured retention; the schedule keeps retired keys longer when token lifetimes need it. */
  minRetentionMs: number;
  /** How long until every server uses a changed Secret: a retired key may still sign on a replica this long. */
  propagationMs: number;
  /** How long a signature must stay verifiable: see lifetimes.ts (tokens, and sessions for id_token_hint). */
  longestTokenLifetimeMs(): number;
  now(): Date;
  generate?(alg: SigningAlgorithm): Jwk;
  log: Logger;
}

export class KeySecretError extends Error {
  override name = 'KeySecretError';
}

const decode = (secret: V1Secret | undefined, key: string): string | undefined => {
  const value = secret?.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};

/** The Secret's signing keys; a set that does not parse is a human's to fix, never silently replaced. */
function signingKeysOf(secret: V1Secret | undefined, where: string): ManagedJwk[] {
  const text = decode(secret, KEY_SET_FILES.jwks);
  if (text === undefined) return [];
  try {
    const keys = (JSON.parse(text) as { keys?: unknown }).keys;
    const isKey = (key: unknown) => typeof key === 'object' && key !== null && !Array.isArray(key);
    if (Array.isArray(keys) && keys.every(isKey)) return keys as ManagedJwk[];
  } catch {
    // Reported below, with what to do about it.
  }
  throw new KeySecretError(`${where}: ${KEY_SET_FILES.jwks} is not a JSON Web Key Set; fix it, or delete the Secret to start over with new keys`);
}

export async function reconcileKeys(ctx: KeysContext): Promise<ReconcileResult> {
  const { kube, namespace, secretName: name, log } = ctx;
  const now = ctx.now();
  const secret = await kube.readSecret(namespace, name);
  const retentionMs = Math.max(ctx.minRetentionMs, ctx.longestTokenLifetimeMs() + ctx.propagationMs);
  const plan = planSigningKeys(signingKeysOf(secret, `Secret ${namespace}/${name}`), now, { rotationPeriodMs: ctx.rotationPeriodMs, retentionMs }, ctx.generate ?? generateSigningKey);
  const cookieKeys = decode(secret, KEY_SET_FILES.cookieKeys);
  const wanted: Record<string, string> = {
    [KEY_SET_FILES.jwks]: `${JSON.stringify({ keys: plan.keys }, null, 2)}\n`,
    // Made once: rotating them would sign every user out and invalidate open login forms.
    [KEY_SET_FILES.cookieKeys]: cookieKeys?.trim() ? cookieKeys : `${generateCookieKey()}\n`,
  };
  const data = Object.fromEntries(Object.entries(wanted).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));

  if (!secret) {
    await kube.createSecret(namespace, { metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'purser-controller' } }, type: 'Opaque', data });
    log.info({ secret: `${namespace}/${name}`, changes: plan.changes }, 'created the signing and cookie keys');
  } else if (Object.entries(wanted).some(([key, value]) => decode(secret, key) !== value)) {
    // Conditional on what was read: a concurrent writer makes this fail with 409 and the queue retries.
    await kube.patchSecret(namespace, name, { metadata: { resourceVersion: secret.metadata?.resourceVersion }, data });
    log.info({ secret: `${namespace}/${name}`, changes: plan.changes }, 'updated the signing keys');
  }
  return { requeueAfterMs: Math.max(1000, plan.nextDueAt.getTime() - now.getTime()) };
}
