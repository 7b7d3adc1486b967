// Reads Kubernetes manifests (multi-document YAML) into OAuthClients, OAuthAPIs and the client secrets of Secrets beside them.
import { parseAllDocuments } from 'yaml';

import { API_KIND, type OAuthAPI } from './oauth-api.ts';
import { API_GROUP, KIND, type OAuthClient } from './types.ts';

export interface SecretDocument {
  namespace: string;
  name: string;
  data: Record<string, string>;
}

export interface Manifests {
  clients: { client: OAuthClient; source: string }[];
  apis: { api: OAuthAPI; source: string }[];
  secrets: SecretDocument[];
  problems: string[];
}

interface Document {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function decodeSecretData(doc: Document): Record<string, string> {
  const decoded = Object.fromEntries(Object.entries(doc.data ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64').toString('utf8')]));
  return { ...decoded, ...doc.stringData };
}

/** Every OAuthClient, OAuthAPI and Secret in `text`; documents of other kinds are ignored, broken ones reported. */
export function readManifests(text: string, source: string): Manifests {
  const result: Manifests = { clients: [], apis: [], secrets: [], problems: [] };
  parseAllDocuments(text).forEach((parsed, index) => {
    const where = `${source} (document ${index + 1})`;
    if (parsed.errors.length) {
      result.problems.push(`${where}: ${parsed.errors[0]!.message}`);
      return;
    }
    const doc = parsed.toJS() as Document | null;
    if (!doc) return;
    const name = doc.metadata?.name;
    const namespace = doc.metadata?.namespace ?? 'default';
    if (doc.kind === KIND && doc.apiVersion?.startsWith(`${API_GROUP}/`)) {
      if (!name) result.problems.push(`${where}: OAuthClient without metadata.name`);
      else result.clients.push({ client: { ...doc, metadata: { name, namespace }, spec: (doc.spec ?? {}) as OAuthClient['spec'] } as OAuthClient, source: where });
    } else if (doc.kind === API_KIND && doc.apiVersion?.startsWith(`${API_GROUP}/`)) {
      if (!name) result.problems.push(`${where}: OAuthAPI without metadata.name`);
      else result.apis.push({ api: { ...doc, metadata: { name, namespace }, spec: (doc.spec ?? {}) as OAuthAPI['spec'] } as OAuthAPI, source: where });
    } else if (doc.kind === 'Secret' && doc.apiVersion === 'v1' && name) {
      result.secrets.push({ namespace, name, data: decodeSecretData(doc) });
    }
  });
  return result;
}
