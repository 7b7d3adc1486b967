// The controller's plain JSON requests: below the server's path, authenticated from the kubeconfig, and failing as
// client-node's generated API fails, so that statusCodeOf reads both alike.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { statusCodeOf } from '../../../src/controller/kube.ts';
import { jsonRequests } from '../../../src/controller/kube-json.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: Seen[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      if (request.url!.includes('/conflict')) {
        response.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', reason: 'AlreadyExists', code: 409 }));
      } else if (request.url!.includes('/mislabelled-error')) {
        response.writeHead(503, { 'Content-Type': 'Application/JSON; charset=utf-8' }).end('<html>upstream down</html>');
      } else if (request.url!.includes('/proxy-error')) {
        response.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      } else {
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { resourceVersion: '7' }, echoed: JSON.parse(body) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function kubeConfigFor(serverUrl: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: serverUrl, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'the-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

describe('jsonRequests', () => {
  it('sends the body as JSON below the server URL, with the kubeconfig credentials and the content type asked for', async () => {
    const json = jsonRequests(kubeConfigFor(`${base}/k8s/clusters/c1/`));
    const answer = await json<{ metadata: { resourceVersion: string }; echoed: unknown }>('PATCH', '/api/v1/namespaces/a/secrets/s?fieldManager=m', { data: { k: 'dg==' } }, 'application/merge-patch+json');
    expect(answer).toEqual({ metadata: { resourceVersion: '7' }, echoed: { data: { k: 'dg==' } } });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'PATCH', url: '/k8s/clusters/c1/api/v1/namespaces/a/secrets/s?fieldManager=m' });
    expect(request.headers).toMatchObject({ authorization: 'Bearer the-token', 'content-type': 'application/merge-patch+json', accept: 'application/json' });
  });

  it("fails with client-node's ApiException, carrying the status code and the API server's Status", async () => {
    const json = jsonRequests(kubeConfigFor(base));
    const error = await json('POST', '/api/v1/namespaces/a/events/conflict', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiException);
    expect(statusCodeOf(error)).toBe(409);
    expect((error as ApiException<unknown>).body).toEqual({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
  });

  it('keeps a text answer (from a proxy in front of the API server) as text', async () => {
    const json = jsonRequests(kubeConfigFor(base));
    const error = await json('POST', '/proxy-error', {}).catch((caught: unknown) => caught);
    expect(statusCodeOf(error)).toBe(502);
    expect((error as ApiException<unknown>).body).toBe('bad gateway');
  });

  it('keeps an answer labelled JSON (in any case) that is not JSON as text, still an ApiException with its status', async () => {
    const json = jsonRequests(kubeConfigFor(base));
    const error = await json('POST', '/mislabelled-error', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiException);
    expect(statusCodeOf(error)).toBe(503);
    expect((error as ApiException<unknown>).body).toBe('<html>upstream down</html>');
  });
});
