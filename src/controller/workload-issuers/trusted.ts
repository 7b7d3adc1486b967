// The service-account issuers of other clusters that PURSER_TRUSTED_ISSUERS_FILE lists (the chart's
// workloadIdentity.trustedIssuers): each by issuer URL and either a JWKS URL (read on every refresh, https only) or
// inline keys.
import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';

import type { WorkloadIssuer } from '../../store/types.ts';

export interface TrustedIssuer {
  issuer: string;
  jwksUri?: string;
  jwks?: { keys: WorkloadIssuer['keys'] };
}

/** The entries of `file` (YAML or JSON); throws naming the first bad entry. */
export async function readTrustedIssuers(file: string): Promise<TrustedIssuer[]> {
  const entries = parse(await readFile(file, 'utf8')) as unknown;
  if (!Array.isArray(entries)) throw new Error(`${file}: expected a list of {issuer, jwksUri} or {issuer, jwks}`);
  return entries.map((entry: TrustedIssuer, index) => {
    if (typeof entry?.issuer !== 'string' || !entry.issuer) throw new Error(`${file}[${index}]: issuer is required`);
    if (!entry.jwksUri === !entry.jwks) throw new Error(`${file}[${index}]: set exactly one of jwksUri and jwks`);
    if (entry.jwksUri && new URL(entry.jwksUri).protocol !== 'https:') throw new Error(`${file}[${index}]: jwksUri must be https`);
    if (entry.jwks && !Array.isArray(entry.jwks.keys)) throw new Error(`${file}[${index}]: jwks.keys must be a list of keys`);
    return entry;
  });
}

/** The issuer's keys: inline, or read from its JWKS URL. */
export async function trustedIssuerKeys(entry: TrustedIssuer): Promise<WorkloadIssuer> {
  if (entry.jwks) return { issuer: entry.issuer, keys: entry.jwks.keys };
  const response = await fetch(entry.jwksUri!, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${entry.jwksUri} answered ${response.status}`);
  const jwks = (await response.json()) as { keys?: unknown };
  if (!Array.isArray(jwks.keys)) throw new Error(`${entry.jwksUri}: no keys`);
  return { issuer: entry.issuer, keys: jwks.keys as WorkloadIssuer['keys'] };
}
