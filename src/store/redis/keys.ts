// Redis key names under the installation's prefix; `{tag}` hash tags keep a grant's or a client's keys in one slot.
import { digest, slotTag, type IndexRef } from '../keys.ts';

export function artifactKey(prefix: string, model: string, id: string): string {
  const tag = slotTag(model, id);
  return tag === undefined ? `${prefix}${model}:${digest(id)}` : `${prefix}{${tag}}:${model}:${digest(id)}`;
}

export function indexKey(prefix: string, index: IndexRef): string {
  return `${prefix}{${index.tag}}:${index.name}`;
}

export function lookupKey(prefix: string, kind: 'uid' | 'userCode', model: string, value: string): string {
  return `${prefix}${kind}:${model}:${digest(value)}`;
}
