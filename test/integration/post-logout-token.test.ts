// One POST of a logout token (Back-Channel Logout 1.0 §2.5, §2.8) against real HTTP servers on 127.0.0.1: what
// counts as delivered, and the leash on a URI an app team chose (no redirect followed, a deadline, no loopback or
// link-local address: checked on the address connected to, so a host name that resolves there is refused too).
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { deliveryNetwork } from '../../src/server/logout/delivery-network.ts';
import { postLogoutToken } from '../../src/server/logout/post-logout-token.ts';

/** Dev mode's network (loopback allowed), and production's defaults (loopback refused, private ranges allowed). */
const LOCAL = deliveryNetwork({ allowLoopback: true, allowPrivateNetworks: true });
const PRODUCTION = deliveryNetwork({ allowLoopback: false, allowPrivateNetworks: true });

const hits: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    hits.push(`${request.method} ${request.url} ${request.headers['content-type']} ${body}`);
    if (request.url === '/ok') response.writeHead(200).end();
    else if (request.url === '/no-content') response.writeHead(204).end();
    else if (request.url === '/redirect') response.writeHead(307, { location: '/ok' }).end();
    else if (request.url === '/refused') response.writeHead(400).end('{"error":"invalid_request"}');
    // '/hang': never answers.
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('postLogoutToken', () => {
  it('§2.5: POSTs logout_token as a form; §2.8: 200 is delivered', async () => {
    expect(await postLogoutToken(`${base}/ok`, 'a.b.c', 5_000, LOCAL)).toEqual({ delivered: true });
    expect(hits.at(-1)).toBe('POST /ok application/x-www-form-urlencoded logout_token=a.b.c');
  });

  it('§2.8: 204 counts as delivered too', async () => {
    expect(await postLogoutToken(`${base}/no-content`, 'a.b.c', 5_000, LOCAL)).toEqual({ delivered: true });
  });

  it('does not follow a redirect: the attempt fails and the target is never hit', async () => {
    const before = hits.length;
    expect(await postLogoutToken(`${base}/redirect`, 'a.b.c', 5_000, LOCAL)).toEqual({ delivered: false, reason: 'answered 307, expected 200' });
    expect(hits.slice(before).map((hit) => hit.split(' ')[1])).toEqual(['/redirect']);
  });

  it('§2.8: 400 is a failure', async () => {
    expect(await postLogoutToken(`${base}/refused`, 'a.b.c', 5_000, LOCAL)).toEqual({ delivered: false, reason: 'answered 400, expected 200' });
  });

  it('gives up on an endpoint that does not answer within the deadline, and says so', async () => {
    expect(await postLogoutToken(`${base}/hang`, 'a.b.c', 200, LOCAL)).toEqual({ delivered: false, reason: 'no answer within 200 ms' });
  });

  it('reports a refused connection by its code', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    expect(await postLogoutToken(`http://127.0.0.1:${port}/`, 'a.b.c', 5_000, LOCAL)).toEqual({ delivered: false, reason: 'ECONNREFUSED' });
  });
});

describe('postLogoutToken: addresses a delivery may not reach (SSRF)', () => {
  const refused = (reason: string) => ({ delivered: false, refused: true, reason });

  it('outside dev mode, refuses a loopback receiver: no request reaches it', async () => {
    const before = hits.length;
    expect(await postLogoutToken(`${base}/ok`, 'a.b.c', 5_000, PRODUCTION)).toEqual(refused('127.0.0.1 is a loopback or unspecified address'));
    expect(hits.length).toBe(before);
  });

  it('refuses a host name that resolves to loopback, checked when connecting (DNS rebinding)', async () => {
    const before = hits.length;
    const port = new URL(base).port;
    expect(await postLogoutToken(`http://localhost:${port}/ok`, 'a.b.c', 5_000, PRODUCTION)).toMatchObject({ delivered: false, refused: true, reason: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1) is a loopback/) });
    expect(hits.length).toBe(before);
  });

  it('refuses IPv4-mapped, unspecified and IPv6 loopback literals', async () => {
    for (const host of ['[::ffff:127.0.0.1]', '0.0.0.0', '[::1]', '[::]']) {
      expect(await postLogoutToken(`http://${host}:15000/quitquitquit`, 'a.b.c', 5_000, PRODUCTION)).toMatchObject({ delivered: false, refused: true });
    }
  });

  it('refuses link-local and cloud metadata addresses even where loopback is allowed', async () => {
    expect(await postLogoutToken('http://169.254.169.254/latest/meta-data/', 'a.b.c', 5_000, LOCAL)).toEqual(refused('169.254.169.254 is a link-local or metadata address'));
    expect(await postLogoutToken('https://[fe80::1]/bc', 'a.b.c', 5_000, LOCAL)).toEqual(refused('fe80::1 is a link-local or metadata address'));
  });

  it('refuses private addresses when they are not allowed', async () => {
    const publicOnly = deliveryNetwork({ allowLoopback: false, allowPrivateNetworks: false });
    for (const host of ['10.0.0.1', '172.16.5.4', '192.168.1.1', '[fd12::1]']) {
      expect(await postLogoutToken(`https://${host}/bc`, 'a.b.c', 5_000, publicOnly)).toMatchObject({ delivered: false, refused: true, reason: expect.stringContaining('is a private address') });
    }
  });
});
