// One source for each thing: the chart's CRDs are crds/oauthapis.purser.dev.yaml and crds/oauthclients.purser.dev.yaml
// (symlinks that helm reads, shows and packages byte for byte), and deploy/ is exactly what scripts/render-deploy.ts makes of the chart now.
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { API_CRD_FILE, CRD_FILE } from '../support/control-plane.ts';
import { CHART, helm, helmBinary, helmTemplate, PROVISION_TIMEOUT_MS } from '../support/helm.ts';

const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const CHART_CRD = join(CHART, 'crds/oauthclients.purser.dev.yaml');
const CHART_API_CRD = join(CHART, 'crds/oauthapis.purser.dev.yaml');

let crd: string;
let apiCrd: string;
let scratch: string;

beforeAll(async () => {
  crd = await readFile(CRD_FILE, 'utf8');
  apiCrd = await readFile(API_CRD_FILE, 'utf8');
  scratch = await mkdtemp(join(tmpdir(), 'purser-chart-'));
  await helmBinary();
}, PROVISION_TIMEOUT_MS);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('the CRDs, kept in crds/ only', () => {
  it('charts/purser/crds holds relative symlinks to them, not copies', async () => {
    expect((await lstat(CHART_CRD)).isSymbolicLink()).toBe(true);
    expect(await readlink(CHART_CRD)).toBe('../../../crds/oauthclients.purser.dev.yaml');
    expect((await lstat(CHART_API_CRD)).isSymbolicLink()).toBe(true);
    expect(await readlink(CHART_API_CRD)).toBe('../../../crds/oauthapis.purser.dev.yaml');
  });

  it('helm template --include-crds renders it byte for byte, before the templates', async () => {
    const rendered = await helmTemplate({ namespace: 'purser-system', includeCrds: true });
    // helm writes each CRD file as "---\n# Source: <path>\n" + its bytes + "\n".
    expect(
      rendered.startsWith(`---\n# Source: purser/crds/oauthapis.purser.dev.yaml\n${apiCrd}\n---\n# Source: purser/crds/oauthclients.purser.dev.yaml\n${crd}\n---\n# Source: purser/templates/`),
    ).toBe(true);
  });

  it('helm show crds prints them byte for byte', async () => {
    const result = await helm(['show', 'crds', CHART]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${apiCrd}\n${crd}\n`);
  });

  it('helm package puts the file itself in the archive, so a packaged chart needs no repository', async () => {
    const packaged = await helm(['package', CHART, '--destination', scratch]);
    expect(packaged.code).toBe(0);
    const archive = join(scratch, 'purser-0.1.0.tgz');
    const extracted = join(scratch, 'extracted');
    await run('mkdir', ['-p', extracted]);
    await run('tar', ['-xzf', archive, '-C', extracted]);
    const file = join(extracted, 'purser/crds/oauthclients.purser.dev.yaml');
    expect((await lstat(file)).isFile()).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(crd);
    expect(await readFile(join(extracted, 'purser/crds/oauthapis.purser.dev.yaml'), 'utf8')).toBe(apiCrd);
  });
});

describe('deploy/', () => {
  const GENERATED = ['kustomization.yaml', 'namespace.yaml', 'oauthapis.purser.dev.yaml', 'oauthclients.purser.dev.yaml', 'purser.yaml'];
  const HAND_WRITTEN = ['README.md', 'values.yaml'];

  it('holds the generated manifests, its README and the values they are rendered with, nothing else', async () => {
    expect((await readdir(join(REPO, 'deploy'))).sort()).toEqual([...GENERATED, ...HAND_WRITTEN].sort());
  });

  it('is exactly what `npm run render:deploy` writes from the chart now', async () => {
    const fresh = join(scratch, 'deploy');
    await run(process.execPath, [join(REPO, 'scripts/render-deploy.ts'), fresh], { env: { ...process.env, PURSER_HELM: await helmBinary() } });
    expect((await readdir(fresh)).sort()).toEqual(GENERATED);
    for (const file of GENERATED) {
      expect(await readFile(join(REPO, 'deploy', file), 'utf8'), `deploy/${file} is stale: run npm run render:deploy`).toBe(await readFile(join(fresh, file), 'utf8'));
    }
  });

  it('carries the CRDs byte for byte (kustomize cannot reach outside deploy/, so they are generated copies)', async () => {
    expect(await readFile(join(REPO, 'deploy/oauthclients.purser.dev.yaml'), 'utf8')).toBe(crd);
    expect(await readFile(join(REPO, 'deploy/oauthapis.purser.dev.yaml'), 'utf8')).toBe(apiCrd);
  });

  it('carries no password: the bundled Redis reads the Secret purser-redis created beforehand', async () => {
    const manifests = await readFile(join(REPO, 'deploy/purser.yaml'), 'utf8');
    expect(manifests).not.toMatch(/^kind: Secret$/m);
    expect(manifests).toContain('secretName: purser-redis');
    expect(await readFile(join(REPO, 'deploy/README.md'), 'utf8')).toContain(
      'kubectl create namespace purser-system && kubectl -n purser-system create secret generic purser-redis --from-literal=password="$(head -c 24 /dev/urandom | base64)"',
    );
  });
});
