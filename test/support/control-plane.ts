// A throwaway Kubernetes control plane for tests, the way controller-runtime's envtest makes one: etcd and
// kube-apiserver from scripts/control-plane.sh on free loopback ports, an admin token, service-account keys (so
// TokenRequest works), the OAuthClient CRD installed. There is no controller-manager: no garbage collection, no
// default ServiceAccounts.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './redis-server.ts';
import { stopChild } from './child-process.ts';

const run = promisify(execFile);

const REPO = new URL('../../', import.meta.url).pathname;
export const CRD_FILE = join(REPO, 'crds/oauthclients.purser.dev.yaml');
export const API_CRD_FILE = join(REPO, 'crds/oauthapis.purser.dev.yaml');

export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** Path of a kubeconfig whose user is cluster-admin (group system:masters). */
  kubeconfig: string;
  /** Stops kube-apiserver only (etcd keeps the data); `startApiServer` brings it back on the same port. */
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** The private key kube-apiserver signs ServiceAccount tokens with now. */
  serviceAccountKey(): KeyObject;
  /**
   * A service-account key rotation: kube-apiserver restarts signing with a new key, and still accepts (and
   * publishes in its JWKS) the previous ones.
   */
  rotateServiceAccountKey(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs scripts/control-plane.sh (cached after the first build) and returns the directory with the binaries. */
export async function controlPlaneBinaries(): Promise<string> {
  const { stdout } = await run('bash', [join(REPO, 'scripts/control-plane.sh')], { maxBuffer: 1 << 24, timeout: 60 * 60_000 });
  return stdout.trim().split('\n').at(-1)!;
}

/** The kubectl to run: from PATH, else the one scripts/control-plane.sh built next to kube-apiserver. */
let kubectl: Promise<string> | undefined;

export function kubectlBinary(): Promise<string> {
  kubectl ??= run('kubectl', ['version', '--client']).then(
    () => 'kubectl',
    async () => join(await controlPlaneBinaries(), 'kubectl'),
  );
  return kubectl;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function launch(binary: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    lines.push(chunk.toString());
    if (lines.length > 200) lines.shift();
  });
  child.once('exit', () => {
    running.delete(child);
    writeFileSync(logFile, lines.join(''));
  });
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child) await stopChild(child);
}

async function waitFor(what: string, child: ChildProcess, logFile: string, ready: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}; its log: ${logFile}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s; its log: ${logFile}`);
}

/** Whether a GET answers 200. The apiserver's certificate is self-signed; tests talk to it on loopback only. */
async function answersOk(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpsGet(url, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('error', () => resolve(false));
    request.once('timeout', () => request.destroy());
  });
}

function kubeconfigYaml(server: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
`;
}

export async function startControlPlane(): Promise<ControlPlane> {
  const binaries = await controlPlaneBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'purser-kube-'));
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
  let signingKey: KeyObject | undefined;
  const publicKeys: string[] = [];
  /** Writes a new signing key (and its public half next to the previous ones); returns the apiserver's key flags. */
  const newServiceAccountKey = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = privateKey;
    const index = publicKeys.length;
    writeFileSync(join(dir, `sa-${index}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, `sa-${index}.pub`), publicKey.export({ type: 'spki', format: 'pem' }));
    publicKeys.push(join(dir, `sa-${index}.pub`));
    return [...publicKeys.map((file) => `--service-account-key-file=${file}`), `--service-account-signing-key-file=${join(dir, `sa-${index}.key`)}`];
  };
  let keyFlags = newServiceAccountKey();

  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcdLog = join(dir, 'etcd.log');
  const etcd = launch(join(binaries, 'etcd'), [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ], etcdLog);
  await waitFor('etcd', etcd, etcdLog, async () => (await fetch(`${etcdUrl}/health`)).ok);

  const server = `https://127.0.0.1:${apiPort}`;
  const apiLog = join(dir, 'kube-apiserver.log');
  const apiArgs = [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${join(dir, 'certs')}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-cluster-ip-range=10.0.0.0/24',
    '--service-account-issuer=https://kubernetes.default.svc',
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    '--v=0',
  ];
  let apiserver: ChildProcess | undefined;
  const startApiServer = async () => {
    apiserver = launch(join(binaries, 'kube-apiserver'), [...apiArgs, ...keyFlags], apiLog);
    await waitFor('kube-apiserver', apiserver, apiLog, () => answersOk(`${server}/readyz`, token));
  };
  const stopApiServer = async () => stopProcess(apiserver);
  const rotateServiceAccountKey = async () => {
    await stopApiServer();
    keyFlags = newServiceAccountKey();
    await startApiServer();
  };
  const stop = async () => {
    await stopApiServer();
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await startApiServer();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(server, token));
    await installCrd(kubeconfig);
    return { server, kubeconfig, stopApiServer, startApiServer, serviceAccountKey: () => signingKey!, rotateServiceAccountKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Applies the OAuthClient and OAuthAPI CRDs and waits until the API server serves them. */
export async function installCrd(kubeconfig: string): Promise<void> {
  const kubectl = await kubectlBinary();
  await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', CRD_FILE, '-f', API_CRD_FILE]);
  await run(kubectl, ['--kubeconfig', kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/oauthclients.purser.dev', 'crd/oauthapis.purser.dev']);
}
