// HTTPS on the server's own port (PURSER_TLS_CERT_FILE / PURSER_TLS_KEY_FILE): a client that trusts the certificate's
// CA gets discovery and a token over TLS, and a renewed certificate (a mounted Secret changing in place) is served to
// new connections without a restart, while a broken one is refused and the certificate in use stays.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { writeAtomically } from '../support/atomic-dir.ts';
import { waitFor } from '../support/kube.ts';
import { freePort, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { SECRETS } from '../support/rp.ts';

const run = promisify(execFile);

/** A self-signed certificate for 127.0.0.1 (it is its own CA), as PEM texts. */
async function selfSigned(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const [certFile, keyFile] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

/** GET or POST over HTTPS trusting only `ca`; the status, body and the certificate the server presented. */
function call(url: string, ca: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; body: string; subject: string }>((resolve, reject) => {
    const sent = request(url, { method: options.method ?? 'GET', headers: options.headers, ca, agent: false }, (response) => {
      const subject = String((response.socket as TLSSocket).getPeerCertificate().subject.CN);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body, subject }));
    });
    sent.once('error', reject);
    sent.end(options.body);
  });
}

describe('the server on HTTPS', () => {
  let server: TestServer;
  let dir: string;
  let url: string;
  let first: { cert: string; key: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-tls-'));
    first = await selfSigned(dir, 'first');
    await writeAtomically(dir, { 'tls.crt': first.cert, 'tls.key': first.key });
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    server = await startPurser({
      redisUrl: inject('redisUrl'),
      prefix: uniquePrefix('server-tls'),
      fixtures: await writeFixtures(),
      port,
      issuer: url,
      flags: [`--tls-cert-file=${join(dir, 'tls.crt')}`, `--tls-key-file=${join(dir, 'tls.key')}`, '--keys-reload-interval=1s'],
    });
  });

  afterAll(async () => server?.close());

  it('serves discovery and issues a token over TLS', async () => {
    const discovery = await call(`${url}/.well-known/openid-configuration`, first.cert);
    expect(discovery.status).toBe(200);
    expect(JSON.parse(discovery.body)).toMatchObject({ issuer: url, token_endpoint: `${url}/token` });
    const basic = Buffer.from(`reports.test:${SECRETS['reports.test']}`).toString('base64');
    const token = await call(`${url}/token`, first.cert, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=reports%3Aread',
    });
    expect(token.status).toBe(200);
    expect(JSON.parse(token.body)).toMatchObject({ token_type: 'Bearer' });
  });

  it('serves a renewed certificate to new connections without a restart, and keeps it when the files break', async () => {
    const renewed = await selfSigned(dir, 'renewed');
    await writeAtomically(dir, { 'tls.crt': renewed.cert, 'tls.key': renewed.key });
    await waitFor('the renewed certificate served', async () => (await call(`${url}/healthz`, renewed.cert).catch(() => undefined))?.subject === 'renewed', 10_000, 200);

    // A key that does not match the certificate: refused, the renewed certificate stays.
    await writeAtomically(dir, { 'tls.crt': first.cert, 'tls.key': renewed.key });
    await sleep(2500); // Two reload intervals and a half: the broken pair has been read by now.
    expect(await call(`${url}/healthz`, renewed.cert)).toMatchObject({ status: 200, subject: 'renewed' });
  });
});
