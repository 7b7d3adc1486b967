// Dev mode's client source: the OAuthClient (and OAuthAPI) YAML files of a folder, kept in the catalogs as the folder changes.
// It follows the controller's rules (validation, Secret lookup, client_id conflicts) without a Kubernetes API.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { toClientRecord } from '../../api/client-record.ts';
import { readManifests, type SecretDocument } from '../../api/manifests.ts';
import { clientIdOf, hasSecret, secretNameOf, type OAuthClient } from '../../api/types.ts';
import { validateOAuthClient } from '../../api/validate.ts';
import { generateClientSecret, secretProblem } from '../../api/client-secret.ts';
import { ConfigError } from '../../config/load.ts';
import type { Logger } from '../../log.ts';
import { hashSecret } from '../../store/secret-hash.ts';
import type { ApiCatalog, ApiRecord, ClientCatalog, ClientRecord } from '../../store/types.ts';
import { fileApiRecords } from './file-apis.ts';

export interface LoadedClient {
  record: ClientRecord;
  /** Set when dev mode made the secret up, so it can be shown to the developer once. */
  generatedSecret?: string;
}

const RELOAD_DELAY_MS = 100;

export class FileClientSource {
  readonly #dir: string;
  readonly #catalog: ClientCatalog;
  readonly #log: Logger;
  /** Generated secrets survive reloads, so editing a file does not change a client's credentials. */
  readonly #generated = new Map<string, string>();
  readonly #apis: ApiCatalog | undefined;
  #served = new Set<string>();
  #servedAudiences = new Set<string>();
  #apiRecords: ApiRecord[] = [];
  #watcher?: FSWatcher;

  /** `apis`: where the folder's OAuthAPIs go (the API catalog); without it they are ignored. */
  constructor(dir: string, catalog: ClientCatalog, log: Logger, apis?: ApiCatalog) {
    this.#dir = dir;
    this.#catalog = catalog;
    this.#log = log;
    this.#apis = apis;
  }

  /** Loads the folder into the catalog and returns what was loaded. */
  async load(): Promise<LoadedClient[]> {
    const loaded = await this.#read();
    for (const { record } of loaded) await this.#catalog.put(record);
    const current = new Set(loaded.map(({ record }) => record.clientId));
    for (const clientId of this.#served) if (!current.has(clientId)) await this.#catalog.delete(clientId);
    this.#served = current;
    if (this.#apis) {
      for (const record of this.#apiRecords) await this.#apis.put(record);
      const audiences = new Set(this.#apiRecords.map((record) => record.audience));
      for (const audience of this.#servedAudiences) if (!audiences.has(audience)) await this.#apis.delete(audience);
      this.#servedAudiences = audiences;
    }
    return loaded;
  }

  /** Reloads whenever a file in the folder changes. */
  watch(): void {
    let timer: NodeJS.Timeout | undefined;
    this.#watcher = watch(this.#dir, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.load().then(
          (loaded) => this.#log.info({ clients: loaded.map(({ record }) => record.clientId) }, 'clients reloaded'),
          (error: unknown) => this.#log.error({ err: error }, 'reloading clients failed'),
        );
      }, RELOAD_DELAY_MS);
    });
  }

  close(): void {
    this.#watcher?.close();
  }

  async #read(): Promise<LoadedClient[]> {
    const files = (await readdir(this.#dir).catch((error: NodeJS.ErrnoException) => {
      // A folder that is not there is a setting to fix, told in one line (a container without the examples, a typo).
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw new ConfigError(`PURSER_CLIENTS_DIR: no folder at ${this.#dir}; create it or choose another with --clients-dir`);
      throw error;
    })).filter((file) => /\.ya?ml$/.test(file)).sort();
    const clients: { client: OAuthClient; source: string }[] = [];
    const apis: Parameters<typeof fileApiRecords>[0] = [];
    const secrets: SecretDocument[] = [];
    for (const file of files) {
      const manifests = readManifests(await readFile(join(this.#dir, file), 'utf8'), file);
      manifests.problems.forEach((problem) => this.#log.warn(problem));
      clients.push(...manifests.clients);
      apis.push(...manifests.apis);
      secrets.push(...manifests.secrets);
    }
    const loaded: LoadedClient[] = [];
    const claimedBy = new Map<string, string>();
    for (const { client, source } of clients) {
      const clientId = clientIdOf(client);
      const problem = validateOAuthClient(client)?.message ?? (claimedBy.has(clientId) ? `client_id "${clientId}" is already claimed by ${claimedBy.get(clientId)}` : undefined);
      const result = problem ? undefined : this.#withSecret(client, secrets);
      if (problem || typeof result === 'string') {
        this.#log.warn({ source, clientId }, `client skipped: ${problem ?? result}`);
        continue;
      }
      claimedBy.set(clientId, source);
      loaded.push(result!);
    }
    const served = new Set(loaded.map(({ record }) => record.owner));
    this.#apiRecords = fileApiRecords(apis, clients.map(({ client }) => client).filter((client) => served.has(`${client.metadata.namespace}/${client.metadata.name}`)), this.#log);
    return loaded;
  }

  #withSecret(client: OAuthClient, secrets: SecretDocument[]): LoadedClient | string {
    if (!hasSecret(client.spec)) return { record: toClientRecord(client, []) };
    const clientId = clientIdOf(client);
    const supplied = secrets.find((s) => s.name === secretNameOf(client) && s.namespace === client.metadata.namespace)?.data.client_secret;
    if (supplied !== undefined) {
      return secretProblem(supplied) ?? { record: toClientRecord(client, [hashSecret(supplied)]) };
    }
    const fresh = !this.#generated.has(clientId);
    if (fresh) this.#generated.set(clientId, generateClientSecret());
    const secret = this.#generated.get(clientId)!;
    return { record: toClientRecord(client, [hashSecret(secret)]), ...(fresh ? { generatedSecret: secret } : {}) };
  }
}
