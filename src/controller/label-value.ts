// Label values are at most 63 characters; Kubernetes names (an OAuthClient's included) may have 253.
import { hash } from 'node:crypto';

const MAX_LABEL_VALUE = 63;

/**
 * The label value that names the object `name`: the name itself when it fits, else its first characters and a digest
 * of the whole name (stable, distinct for distinct names, and always a valid label value: a DNS-1123 name's
 * characters are all allowed, and both ends are alphanumeric).
 */
export function labelValueOf(name: string): string {
  if (name.length <= MAX_LABEL_VALUE) return name;
  const digest = hash('sha256', name).slice(0, 10);
  return `${name.slice(0, MAX_LABEL_VALUE - digest.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${digest}`;
}
