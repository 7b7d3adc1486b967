// Redis key names under the installation's prefix; `{tag}` hash tags keep a grant's or a client's keys in one slot.
import { digest, parseGrantReference, slotTag, type IndexRef } from '../keys.ts';

function digestKey(prefix: string, model: string, tag: string | undefined, digested: string): string {
  return tag === undefined ? `${prefix}${model}:${digested}` : `${prefix}{${tag}}:${model}:${digested}`;
}

export function artifactKey(prefix: string, model: string, id: string): string {
  return digestKey(prefix, model, slotTag(model, id), digest(id));
}

/** The key of the Grant a `grantReference` names (the key `artifactKey` gives it), or undefined for a malformed one. */
export function referencedGrantKey(prefix: string, reference: string): string | undefined {
  const parsed = parseGrantReference(reference);
  return parsed && digestKey(prefix, 'Grant', parsed.tag, parsed.digest);
}

export function indexKey(prefix: string, index: IndexRef): string {
  return `${prefix}{${index.tag}}:${index.name}`;
}

export function lookupKey(prefix: string, kind: 'uid' | 'userCode', model: string, value: string): string {
  return `${prefix}${kind}:${model}:${digest(value)}`;
}
