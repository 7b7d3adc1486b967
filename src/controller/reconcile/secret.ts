// Makes sure the client's Secret exists and says how to use the client: client_id, client_secret, issuer, token
// endpoint. Creates the default `<name>-oauth-client` with a 256-bit secret when there is none; adopts a Secret the
// user made only once its creator marked it for this client (CLIENT_LABEL), and waits for one GitOps makes. The
// controller's RBAC lets it write any Secret: it must never write one the tenant did not hand it (DESIGN.md, "Who
// may get which token"), and never mints a value into a name the user chose (GitOps would deliver its own later).
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';

import { SecretInvalid, SecretMissing, SecretNotMarked } from '../../api/reasons.ts';
import { API_GROUP, API_VERSION, KIND, clientIdOf, defaultSecretNameOf, secretNameOf } from '../../api/types.ts';
import { generateClientSecret, secretProblem } from '../../api/client-secret.ts';
import { READY, findCondition } from '../conditions.ts';
import { statusCodeOf, type OAuthClientResource } from '../kube.ts';
import { labelValueOf } from '../label-value.ts';
import { tokenEndpointOf, type Blocked, type ReconcileContext } from './context.ts';

/**
 * Marks Secrets that belong to an OAuthClient (its name, through labelValueOf), so the controller watches only those.
 * The controller sets it on the Secrets it creates; a user sets it on a Secret of their own to hand it to the client.
 */
export const CLIENT_LABEL = 'purser.dev/oauthclient';

/**
 * How often to look again at a Secret no watch tells us about: one that `generateSecret: false` tells us to wait for,
 * or one whose client_secret cannot be used (it is labelled, and so watched, only once it can).
 */
export const SECRET_POLL_MS = 5_000;

const decode = (value: string | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8'));
const encode = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

function ownerReference(client: OAuthClientResource): V1OwnerReference {
  return { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, name: client.metadata.name, uid: client.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function isOwnedBy(secret: V1Secret, client: OAuthClientResource): boolean {
  return (secret.metadata?.ownerReferences ?? []).some((reference) => reference.uid === client.metadata.uid);
}

/** The non-secret keys a workload reads with `envFrom`, as they should be. */
function describingData(ctx: ReconcileContext, client: OAuthClientResource): Record<string, string> {
  return { client_id: encode(clientIdOf(client)), issuer: encode(ctx.issuer), token_endpoint: encode(tokenEndpointOf(ctx.issuer)) };
}

export async function readSecret(ctx: ReconcileContext, namespace: string, name: string): Promise<V1Secret | undefined> {
  // Secrets not labelled yet (made by a user or a GitOps tool) are not in the cache.
  return ctx.secrets.get(namespace, name) ?? (await ctx.kube.readSecret(namespace, name));
}

/** What the Event about a new Secret says: in the Ready Event when the client becomes Ready with it, else alone. */
export const secretCreatedMessage = (name: string): string => `created Secret ${name} with a generated client secret`;

/**
 * Creates the Secret and returns its client secret. Records no Event: the caller reports the creation (`created` of
 * ensureSecret), in the same Event as the Ready transition it usually comes with (one Event instead of two per new
 * client, as client-go's recorder would aggregate them).
 */
async function createSecret(ctx: ReconcileContext, client: OAuthClientResource, name: string): Promise<string> {
  const value = generateClientSecret();
  await ctx.kube.createSecret(client.metadata.namespace, {
    metadata: { name, namespace: client.metadata.namespace, labels: { [CLIENT_LABEL]: labelValueOf(client.metadata.name) }, ownerReferences: [ownerReference(client)] },
    type: 'Opaque',
    data: { ...describingData(ctx, client), client_secret: encode(value) },
  });
  return value;
}

/** Adds what the Secret lacks (a generated secret if allowed, the describing keys, the label); never replaces a client_secret. */
async function completeSecret(ctx: ReconcileContext, client: OAuthClientResource, secret: V1Secret, generated: string | undefined): Promise<void> {
  const wanted = { ...describingData(ctx, client), ...(generated ? { client_secret: encode(generated) } : {}) };
  const data = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => secret.data?.[key] !== value));
  const labelled = secret.metadata?.labels?.[CLIENT_LABEL] === labelValueOf(client.metadata.name);
  if (!Object.keys(data).length && labelled) return;
  await ctx.kube.patchSecret(client.metadata.namespace, secret.metadata!.name!, {
    metadata: { labels: { [CLIENT_LABEL]: labelValueOf(client.metadata.name) }, resourceVersion: secret.metadata?.resourceVersion },
    data,
  });
}

/** Whether `spec.secretName` names a Secret other than the default `<name>-oauth-client`, which only the user makes. */
const chosenByUser = (client: OAuthClientResource): boolean => client.spec.secretName !== undefined && client.spec.secretName !== defaultSecretNameOf(client);

/** Whether the Secret was handed to this client: the controller made it for it, or its creator labelled it for it. */
const isMarkedFor = (secret: V1Secret, client: OAuthClientResource): boolean => isOwnedBy(secret, client) || secret.metadata?.labels?.[CLIENT_LABEL] === labelValueOf(client.metadata.name);

/** The other OAuthClient a Secret already serves (by label or controller reference), if any. */
function otherClaimant(secret: V1Secret, client: OAuthClientResource): string | undefined {
  const controller = secret.metadata?.ownerReferences?.find((reference) => reference.controller && reference.kind === KIND);
  if (controller && controller.uid !== client.metadata.uid) return controller.name;
  const labelled = secret.metadata?.labels?.[CLIENT_LABEL];
  return labelled && labelled !== labelValueOf(client.metadata.name) ? labelled : undefined;
}

/**
 * The client secret to serve (`created`: the name of the Secret the controller created for it, by this call or by an
 * earlier one whose Event was not recorded), or why there is none to serve yet.
 */
export async function ensureSecret(ctx: ReconcileContext, client: OAuthClientResource): Promise<{ value: string; created?: string } | Blocked> {
  const name = secretNameOf(client);
  const mayGenerate = client.spec.generateSecret !== false;
  const mayCreate = mayGenerate && !chosenByUser(client);
  // Not in the cache (only labelled Secrets are): create it straight away, and read what is there only if it exists.
  // A new client's Secret is missing, so this saves the API server a GET per new client; 409 means someone made it.
  if (mayCreate && !ctx.secrets.get(client.metadata.namespace, name)) {
    const created = await createSecret(ctx, client, name).catch((error: unknown) => {
      if (statusCodeOf(error) === 409) return undefined;
      throw error;
    });
    if (created !== undefined) return { value: created, created: name };
  }
  const secret = await readSecret(ctx, client.metadata.namespace, name);
  const mark = `labelled ${CLIENT_LABEL}=${labelValueOf(client.metadata.name)}`;
  if (!secret) {
    if (!mayCreate) {
      const why = mayGenerate ? 'secretName names a Secret of yours, so Purser does not make one' : 'generateSecret is false, so Purser does not make one';
      return { reason: SecretMissing, message: `waiting for Secret ${name} ${mark} with a client_secret key (${why})`, requeueAfterMs: SECRET_POLL_MS };
    }
    return { value: await createSecret(ctx, client, name), created: name };
  }
  const claimedBy = otherClaimant(secret, client);
  if (claimedBy) return { reason: SecretInvalid, message: `Secret ${name} belongs to OAuthClient ${claimedBy}; name a Secret of this client's own in secretName`, requeueAfterMs: SECRET_POLL_MS };
  if (!isMarkedFor(secret, client)) {
    // Read, never written: whoever may create this OAuthClient must not get the controller to write a Secret of theirs.
    return {
      reason: SecretNotMarked,
      message: `Secret ${name} exists but was not made for this OAuthClient, so Purser neither uses nor changes it; if it is meant for this client, label it: kubectl label secret ${name} -n ${client.metadata.namespace} ${CLIENT_LABEL}=${labelValueOf(client.metadata.name)}`,
      requeueAfterMs: SECRET_POLL_MS,
    };
  }
  const existing = decode(secret.data?.client_secret);
  if (existing === undefined && !mayGenerate && !isOwnedBy(secret, client)) {
    return { reason: SecretMissing, message: `Secret ${name} has no client_secret key (generateSecret is false, so Purser does not add one)`, requeueAfterMs: SECRET_POLL_MS };
  }
  const value = existing ?? generateClientSecret();
  const problem = secretProblem(value);
  if (problem) return { reason: SecretInvalid, message: `Secret ${name}: ${problem}`, requeueAfterMs: SECRET_POLL_MS };
  await completeSecret(ctx, client, secret, existing === undefined ? value : undefined);
  return unannounced(client, secret) ? { value, created: name } : { value };
}

/**
 * Whether this is a Secret the controller made for the client in a reconcile whose first Ready Event was never recorded
 * (the API refused it) or whose status never landed: the client has no Ready condition yet. Read from the world, not
 * remembered, so whichever attempt or leader records that Event names the Secret in it (exactly once: status.ts).
 */
const unannounced = (client: OAuthClientResource, secret: V1Secret): boolean => isOwnedBy(secret, client) && !findCondition(client.status?.conditions, READY);
