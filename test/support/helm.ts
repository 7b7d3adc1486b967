// helm for the chart tests: PURSER_HELM when set, else the pinned build scripts/helm.sh caches (built on first use;
// with CI=true a missing build is a failure, since .ci/run builds it before the tests). Also the ServiceMonitor CRD
// that script fetches, for the test API server.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { V1Container, V1Deployment, V1PodSpec, V1StatefulSet } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

const REPO = new URL('../../', import.meta.url).pathname;
export const CHART = join(REPO, 'charts/purser');

/** The defaults of scripts/helm.sh, passed to it explicitly so that both always agree on what is cached where. */
const VERSIONS = { PURSER_HELM_VERSION: '3.17.4', PURSER_PROMETHEUS_OPERATOR_VERSION: '0.85.0' };

const cache = () => process.env.PURSER_CACHE_DIR ?? join(homedir(), '.cache/purser');
const cachedHelm = () => join(cache(), `helm-v${VERSIONS.PURSER_HELM_VERSION}`, 'helm');
const cachedServiceMonitorCrd = () =>
  join(cache(), `prometheus-operator-v${VERSIONS.PURSER_PROMETHEUS_OPERATOR_VERSION}`, 'monitoring.coreos.com_servicemonitors.yaml');

/** For the first beforeAll of a chart test file: on a machine without the cache, helm is compiled first (minutes). */
export const PROVISION_TIMEOUT_MS = 30 * 60_000;

let provisioned: Promise<void> | undefined;

/** Runs scripts/helm.sh once per process when something it caches is missing. */
function provision(missing: string): Promise<void> {
  if (process.env.CI === 'true') {
    return Promise.reject(new Error(`${missing} is missing (CI=true: missing infrastructure fails the run): run \`bash scripts/helm.sh\` first, as .ci/run does`));
  }
  provisioned ??= run('bash', [join(REPO, 'scripts/helm.sh')], { env: { ...process.env, ...VERSIONS }, timeout: PROVISION_TIMEOUT_MS }).then(() => undefined);
  return provisioned;
}

let binary: Promise<string> | undefined;

export function helmBinary(): Promise<string> {
  binary ??= (async () => {
    if (process.env.PURSER_HELM) return process.env.PURSER_HELM;
    const path = cachedHelm();
    if (!existsSync(path)) await provision(`helm v${VERSIONS.PURSER_HELM_VERSION} (${path})`);
    return path;
  })();
  return binary;
}

/** prometheus-operator's ServiceMonitor CRD, pinned, from the Go module proxy. */
export async function serviceMonitorCrd(): Promise<string> {
  const path = cachedServiceMonitorCrd();
  if (!existsSync(path)) await provision(`the ServiceMonitor CRD (${path})`);
  return path;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm; never throws (`code` says how it went). Only the Kubernetes access given in `env` is used. */
export async function helm(args: string[], env: Record<string, string> = {}): Promise<HelmResult> {
  const path = await helmBinary();
  return new Promise((resolve) => {
    execFile(path, args, { maxBuffer: 1 << 26, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `helm template` of the chart that must succeed; `values` are values files. */
export async function helmTemplate(options: { namespace: string; values?: string[]; set?: string[]; includeCrds?: boolean; release?: string }): Promise<string> {
  const args = ['template', options.release ?? 'purser', CHART, '--namespace', options.namespace];
  if (options.includeCrds) args.push('--include-crds');
  for (const file of options.values ?? []) args.push('--values', file);
  for (const value of options.set ?? []) args.push('--set', value);
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** One object of a rendered chart, as parsed YAML. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((object): object is Manifest => object !== null);
}

/** The one object of this kind and name; fails the test when there is none or more than one. */
export function findObject<T = Manifest>(objects: Manifest[], kind: string, name: string, namespace?: string): T {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name && (!namespace || object.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0] as T;
}

/** The pod spec of a rendered Deployment or StatefulSet. */
export function podSpecOf(objects: Manifest[], kind: 'Deployment' | 'StatefulSet', name: string): V1PodSpec {
  return findObject<V1Deployment | V1StatefulSet>(objects, kind, name).spec!.template.spec!;
}

/** The one container of a rendered workload. */
export function containerOf(objects: Manifest[], kind: 'Deployment' | 'StatefulSet', name: string): V1Container {
  const { containers } = podSpecOf(objects, kind, name);
  if (containers.length !== 1) throw new Error(`${kind} ${name} has ${containers.length} containers`);
  return containers[0]!;
}

/** A container's literal environment variables (those with `value`), by name. */
export function envOf(container: V1Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).filter((variable) => variable.value !== undefined).map((variable) => [variable.name, variable.value!]));
}

/** Every rendered object of this kind. */
export function objectsOf<T>(objects: Manifest[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as unknown as T[];
}
